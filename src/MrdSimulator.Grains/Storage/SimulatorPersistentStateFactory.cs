using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.Activators;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace MrdSimulator.Grains.Storage;

/// <summary>
/// Gives <c>[PersistentState]</c> parameters stored in <see cref="InProcessGrainStorage"/> an
/// <see cref="InProcessPersistentState{T}"/>, and every other provider (Redis, Orleans' memory storage, a test's
/// storage) Orleans' own state.
/// </summary>
internal sealed class SimulatorPersistentStateFactory(IActivatorProvider activators) : IPersistentStateFactory
{
    private readonly PersistentStateFactory _orleans = new();
    private readonly ConcurrentDictionary<Type, object> _activators = new();

    public IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration cfg)
    {
        var storage = string.IsNullOrWhiteSpace(cfg.StorageName)
            ? context.ActivationServices.GetService<IGrainStorage>()
            : context.ActivationServices.GetKeyedService<IGrainStorage>(cfg.StorageName);
        if (storage is not InProcessGrainStorage store)
        {
            return _orleans.Create<TState>(context, cfg);
        }

        var activator = (IActivator<TState>)_activators.GetOrAdd(typeof(TState), static (_, a) => a.GetActivator<TState>(), activators);
        return new InProcessPersistentState<TState>(cfg.StateName, context, store, activator);
    }
}
