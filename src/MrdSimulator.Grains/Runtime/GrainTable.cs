using System.Collections.Concurrent;
using System.Diagnostics;

namespace MrdSimulator.Grains.Runtime;

/// <summary>
/// The activations of one grain type, keyed by grain key. A call for a key with no activation creates
/// one (virtual activation); a call that meets an activation on its way out is routed to the next one.
/// </summary>
public sealed class GrainTable<TKey, TGrain>
    where TKey : notnull
    where TGrain : Grain
{
    private readonly ConcurrentDictionary<TKey, GrainActivation<TKey, TGrain>> _activations;
    private readonly Func<TKey, TGrain> _factory;

    internal GrainTable(Func<TKey, TGrain> factory, GrainRuntimeOptions options, TimeProvider time, GrainRuntimeMetrics metrics, IEqualityComparer<TKey>? comparer)
    {
        _factory = factory;
        Options = options;
        Time = time;
        Metrics = metrics;
        _activations = new ConcurrentDictionary<TKey, GrainActivation<TKey, TGrain>>(comparer);
    }

    public GrainRuntimeOptions Options { get; }

    public TimeProvider Time { get; }

    public int ActivationCount => _activations.Count;

    internal GrainRuntimeMetrics Metrics { get; }

    /// <summary>Runs <paramref name="call"/> as one turn of the grain with this key.</summary>
    /// <exception cref="MailboxFullException">The grain already has <see cref="GrainRuntimeOptions.MailboxCapacity"/> calls waiting.</exception>
    public ValueTask<TResult> InvokeAsync<TResult>(TKey key, Func<TGrain, ValueTask<TResult>> call) =>
        SimulatorActivity.Source.HasListeners() ? TracedInvokeAsync(key, call) : InvokeUntracedAsync(key, call);

    /// <summary>One span per grain call (mailbox wait included), the parent of whatever the turn publishes.</summary>
    private async ValueTask<TResult> TracedInvokeAsync<TResult>(TKey key, Func<TGrain, ValueTask<TResult>> call)
    {
        using var activity = SimulatorActivity.Source.StartActivity(typeof(TGrain).Name, ActivityKind.Internal);
        activity?.SetTag("mrdsim.grain.key", key.ToString());
        try
        {
            return await InvokeUntracedAsync(key, call).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    private ValueTask<TResult> InvokeUntracedAsync<TResult>(TKey key, Func<TGrain, ValueTask<TResult>> call)
    {
        while (true)
        {
            var activation = _activations.GetOrAdd(key, static (k, table) => new GrainActivation<TKey, TGrain>(table, k), this);
            if (activation.TryInvoke(call, out var result))
            {
                return result;
            }
        }
    }

    /// <summary>
    /// Fire-and-forget: queues <paramref name="call"/> as a turn of the key's grain and returns without
    /// waiting. Posts from one caller keep their order; they are never refused for a full mailbox, because
    /// they carry work (tasks) that must not be lost. The returned task completes with the turn.
    /// </summary>
    public Task<TResult> Post<TResult>(TKey key, Func<TGrain, ValueTask<TResult>> call)
    {
        while (true)
        {
            var activation = _activations.GetOrAdd(key, static (k, table) => new GrainActivation<TKey, TGrain>(table, k), this);
            if (activation.TryPost(call, out var result))
            {
                return result;
            }
        }
    }

    public bool IsActive(TKey key) => _activations.ContainsKey(key);

    /// <summary>Calls waiting in the mailbox of the key's activation (0 when not active).</summary>
    public int QueueLength(TKey key) => _activations.TryGetValue(key, out var a) ? a.QueueLength : 0;

    /// <summary>Starts deactivating every activation idle for at least <paramref name="age"/>; returns how many.</summary>
    public int CollectIdle(TimeSpan age)
    {
        var cutoff = Time.GetTimestamp() - (long)(age.TotalSeconds * Time.TimestampFrequency);
        var collected = 0;
        foreach (var (_, activation) in _activations)
        {
            if (activation.TryCollect(cutoff))
            {
                collected++;
            }
        }

        return collected;
    }

    internal TGrain CreateGrain(TKey key) => _factory(key);

    internal void Remove(TKey key, GrainActivation<TKey, TGrain> activation) =>
        _activations.TryRemove(new KeyValuePair<TKey, GrainActivation<TKey, TGrain>>(key, activation));
}
