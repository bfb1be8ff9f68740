using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MrdSimulator.Grains.Chaos;
using MrdSimulator.Grains.Diagnostics;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Messaging;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Storage;
using MrdSimulator.Grains.Tasks;
using Orleans.Configuration;
using Orleans.Storage;

namespace MrdSimulator.Grains.Hosting;

public static class SimulatorSiloBuilderExtensions
{
    /// <summary>
    /// The simulator's grains and the per-silo services they share: the outbox, the chaos hook, the work counter,
    /// the state store, and the limits. The simulated clock is added separately (<see cref="UseSimulatorClock"/>);
    /// without it grains run on real time. The host must register a <c>SimulatorDirectory</c>.
    /// </summary>
    public static ISiloBuilder AddSimulatorGrains(this ISiloBuilder silo, SimulatorSiloOptions? options = null)
    {
        options ??= new SimulatorSiloOptions();
        var services = silo.Services;
        services.TryAddSingleton<SimulationWork>();
        services.TryAddSingleton<GrainOutbox>();
        services.TryAddSingleton<MediaFaultHook>();
        services.TryAddSingleton<MediaGrainServices>();
        services.TryAddSingleton<SiloMetrics>();
        services.TryAddSingleton<TaskIntakeOptions>();
        services.TryAddSingleton<FinishedContacts>();
        services.TryAddKeyedSingleton(TimeProviderNames.Grains, TimeProvider.System);

        switch (options.Store)
        {
            case GrainStateStore.InProcess:
                services.TryAddSingleton<InProcessGrainStorage>();
                services.AddKeyedSingleton<IGrainStorage>(StorageNames.Grains, static (sp, _) => sp.GetRequiredService<InProcessGrainStorage>());
                services.Replace(ServiceDescriptor.Singleton<IPersistentStateFactory, SimulatorPersistentStateFactory>());
                break;
            case GrainStateStore.Memory:
                silo.AddMemoryGrainStorage(StorageNames.Grains);
                break;
        }

        // A full grain refuses new calls (the gateway answers 503); accepted calls are never dropped.
        silo.Configure<SiloMessagingOptions>(o => o.MaxEnqueuedRequestsHardLimit = options.MailboxCapacity);
        silo.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionAge = options.CollectionAge;
            o.CollectionQuantum = options.CollectionQuantum;
        });
        return silo;
    }

    /// <summary>
    /// Runs the grains (timers and <c>IGrainRuntime.TimeProvider</c>) on <paramref name="clock"/>; membership,
    /// messaging and activation collection keep real time. A <see cref="SimulatedTimeProvider"/> also brings the
    /// work counter it advances by.
    /// </summary>
    public static IServiceCollection UseSimulatorClock(this IServiceCollection services, TimeProvider clock)
    {
        services.RemoveAllKeyed<TimeProvider>(TimeProviderNames.Grains);
        services.AddKeyedSingleton(TimeProviderNames.Grains, clock);
        if (clock is SimulatedTimeProvider simulated)
        {
            services.RemoveAll<SimulationWork>();
            services.AddSingleton(simulated.Work);
        }

        return services;
    }
}
