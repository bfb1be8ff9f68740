using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>Chaos of the embedded simulator: the engine is the whole story.</summary>
public sealed class LocalChaosControl(ChaosEngine engine) : IChaosControl
{
    public Task<IReadOnlyList<FaultView>> AddAsync(Func<Func<int, string>, IReadOnlyList<FaultSpec>> parse) =>
        engine.AddAsync(parse(_ => engine.NextAdminId()));

    public Task<int> ClearAsync(string? id) => engine.ClearAsync(id);

    public Task<(PlanView Plan, IReadOnlyList<FaultView> Faults)> StartPlanAsync(ChaosPlan plan, bool atStartup = false) => engine.StartPlanAsync(plan);

    public Task<bool> StopPlanAsync() => engine.StopPlanAsync();

    public Task<IReadOnlyList<FaultView>> FaultsAsync() => Task.FromResult(engine.Faults());

    public Task<ChaosTimeline> TimelineAsync() => Task.FromResult(engine.Timeline());

    public Task<IReadOnlyList<Injection>> InjectionsAsync(int limit) => Task.FromResult(engine.Injections(limit));

    public Task<DropPage> DropsAsync(long? since, int limit, string? requestIdPrefix) =>
        Task.FromResult(since is { } from ? engine.DropsSince(from, limit, requestIdPrefix) : engine.DropsLast(limit));
}
