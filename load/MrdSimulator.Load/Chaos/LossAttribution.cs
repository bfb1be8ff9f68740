using System.Diagnostics;

namespace MrdSimulator.Load.Chaos;

/// <summary>Explained / unexplained counts of lost and contradicting notifications (see <see cref="LossAttribution"/>).</summary>
public sealed record AttributionCounts(
    long LostExplained,
    long LostUnexplained,
    long LostPending,
    IReadOnlyDictionary<string, long> LostByFaultKind,
    long ContradictingExplained,
    long ContradictingUnexplained,
    long ContradictingPending,
    IReadOnlyDictionary<string, long> ContradictingByFaultKind);

/// <summary>
/// Tells the notifications a fault cost from those the simulator lost by itself. The simulator records every
/// Update a fault cost with its requestId (<c>GET /admin/chaos/drops</c>); this class reads those records during
/// the run and at its end and matches them:
/// <list type="bullet">
/// <item>a <b>lost</b> notification is explained when the simulator recorded its requestId (dropped by a
/// notification fault, queued for or written to a stream a fault cut, published while a fault kept the stream
/// away); otherwise it is unexplained;</item>
/// <item>a <b>contradicting</b> notification is explained when, on the same agent×MRD pair, a notification went
/// missing between the previous one the driver read and this one, and that miss is explained: a lost request
/// of the driver's, or an Update no request caused (a failover) that the simulator recorded as costed by a
/// fault. The driver's state model was stale; that is what the fault did, not a simulator bug.</item>
/// </list>
/// A loss is judged only by a read of the records that began after the loss was declared (its Update was
/// recorded before that), so the live counters never call a loss unexplained too early. A killed process records
/// nothing of what it took with it: a loss with no record whose request was sent inside a <c>silo.kill</c> or
/// <c>gateway.kill</c> window (or up to <see cref="ProcessFaultLead"/> before it opened: in flight when the
/// process died) is explained by that fault.
/// </summary>
public sealed class LossAttribution : IAsyncDisposable
{
    /// <summary>How long before a process fault's window a request may have been sent and still had its Update die with the process.</summary>
    public static readonly TimeSpan ProcessFaultLead = TimeSpan.FromSeconds(2);

    private readonly Func<long, CancellationToken, Task<DropBatch>> _fetch;
    private readonly long _contradictionSettleTicks;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DropRecord> _byRequestId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DropRecord>> _unsolicitedBySource = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<LostEntry>> _lostByPair = new(StringComparer.Ordinal);
    private readonly List<LostEntry> _pendingLost = [];
    private readonly List<ContradictionEntry> _pendingContradictions = [];
    private readonly Dictionary<string, long> _lostByKind = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _contradictingByKind = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Lost, long Contradicting)> _byFaultId = new(StringComparer.Ordinal);
    private readonly List<long> _unexplainedLostSentTicks = [];
    private readonly List<string> _warnings = [];
    private IReadOnlyList<ProcessFaultWindow> _processWindows = [];
    private readonly long _refTicks = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset _refUtc = DateTimeOffset.UtcNow;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _cursor;
    private long _lostExplained, _lostUnexplained, _contradictingExplained, _contradictingUnexplained;
    private TimeSpan _serverOffset;
    private TimeSpan _bestRoundTrip = TimeSpan.MaxValue;
    private bool _finished;

    /// <param name="fetch">Reads the drop records after a sequence number (<see cref="ChaosClient.DropsAsync"/>).</param>
    /// <param name="notificationTimeout">The correlator's timeout: a contradiction is judged once every loss that could explain it has been declared.</param>
    public LossAttribution(Func<long, CancellationToken, Task<DropBatch>> fetch, TimeSpan notificationTimeout)
    {
        _fetch = fetch;
        _contradictionSettleTicks = (long)((notificationTimeout + TimeSpan.FromMilliseconds(500)).TotalSeconds * Stopwatch.Frequency);
    }

    public static LossAttribution For(ChaosClient client, string requestIdPrefix, TimeSpan notificationTimeout) =>
        new((since, ct) => client.DropsAsync(since, requestIdPrefix, ct), notificationTimeout);

    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_gate)
            {
                return [.. _warnings];
            }
        }
    }

    public AttributionCounts Counts
    {
        get
        {
            lock (_gate)
            {
                return new AttributionCounts(
                    _lostExplained, _lostUnexplained, _pendingLost.Count, new Dictionary<string, long>(_lostByKind, StringComparer.Ordinal),
                    _contradictingExplained, _contradictingUnexplained, _pendingContradictions.Count,
                    new Dictionary<string, long>(_contradictingByKind, StringComparer.Ordinal));
            }
        }
    }

    /// <summary>
    /// Reads the records every <paramref name="interval"/> until <see cref="FinishAsync"/>, from
    /// <paramref name="position"/> on (the newest record when the run began: older ones are another run's).
    /// </summary>
    public void Start(TimeSpan interval, long position = 0)
    {
        Interlocked.Exchange(ref _cursor, position);
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await ReadAndJudgeAsync(final: false, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Finishing.
            }
        });
    }

    /// <summary>A notification was declared lost (the correlator's timeout passed).</summary>
    public void OnLost(string requestId, string pair, long sentTicks, long lostTicks)
    {
        lock (_gate)
        {
            var entry = new LostEntry(requestId, pair, sentTicks, lostTicks);
            _pendingLost.Add(entry);
            if (!_lostByPair.TryGetValue(pair, out var list))
            {
                _lostByPair[pair] = list = [];
            }

            list.Add(entry);
        }
    }

    /// <summary>
    /// A notification contradicted the pair's observed state. <paramref name="previousReceivedTicks"/>: when the
    /// driver read the pair's previous notification (0: none); <paramref name="observedBefore"/>: the state it showed.
    /// </summary>
    public void OnContradicting(string pair, long sentTicks, long receivedTicks, long previousReceivedTicks, string? observedBefore)
    {
        lock (_gate)
        {
            _pendingContradictions.Add(new ContradictionEntry(pair, sentTicks, receivedTicks, previousReceivedTicks, observedBefore));
        }
    }

    /// <summary>Warm-up is over: forget the losses so far (the records read stay known).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _pendingLost.Clear();
            _pendingContradictions.Clear();
            _lostByPair.Clear();
            _lostByKind.Clear();
            _contradictingByKind.Clear();
            _byFaultId.Clear();
            _unexplainedLostSentTicks.Clear();
            _lostExplained = _lostUnexplained = _contradictingExplained = _contradictingUnexplained = 0;
        }
    }

    /// <summary>The run is over and every pending notification settled: a last read, then every loss is judged.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        await ReadAndJudgeAsync(final: true, cancellationToken);
    }

    /// <summary>Lost and contradicting notifications explained by one fault (by its id).</summary>
    public (long Lost, long Contradicting) ExplainedBy(string faultId)
    {
        lock (_gate)
        {
            return _byFaultId.GetValueOrDefault(faultId);
        }
    }

    /// <summary>When the requests of the unexplained lost notifications were sent (driver's clock, UTC).</summary>
    public IReadOnlyList<DateTimeOffset> UnexplainedLostSentAt()
    {
        lock (_gate)
        {
            return [.. _unexplainedLostSentTicks.Select(ToUtc)];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }

    private async Task ReadAndJudgeAsync(bool final, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var read = false;
        try
        {
            var batch = await _fetch(Interlocked.Read(ref _cursor), cancellationToken);
            Learn(batch);
            read = true;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
        {
            lock (_gate)
            {
                if (final || _warnings.Count == 0)
                {
                    _warnings.Add($"simulator drop records unavailable ({ex.Message}); {(final ? "losses not yet matched count as unexplained" : "will retry")}");
                }
            }
        }

        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            // Without a successful read nothing new is known: only the final judgement goes ahead anyway.
            if (read || final)
            {
                Judge(final ? long.MaxValue : started);
            }

            _finished = final;
        }
    }

    private void Learn(DropBatch batch)
    {
        lock (_gate)
        {
            var roundTrip = batch.ReceivedAt - batch.SentAt;
            if (roundTrip < _bestRoundTrip)
            {
                // The simulator's clock read mid-request; the fastest exchange gives the tightest mapping.
                _bestRoundTrip = roundTrip;
                _serverOffset = batch.ServerNow - (batch.SentAt + (roundTrip / 2));
            }

            if (batch.Missed > 0)
            {
                _warnings.Add($"{batch.Missed} simulator drop records were overwritten before the driver read them (raise the simulator's --chaos-drops-capacity); losses they explained count as unexplained");
            }

            foreach (var record in batch.Records)
            {
                if (record.RequestId is { } id)
                {
                    // A certain loss outranks a "possibly in flight" one for the same Update.
                    if (!_byRequestId.TryGetValue(id, out var known) || (known.Reason == "in-flight" && record.Reason != "in-flight"))
                    {
                        _byRequestId[id] = record;
                    }
                }
                else if (record.Source is { } source)
                {
                    if (!_unsolicitedBySource.TryGetValue(source, out var list))
                    {
                        _unsolicitedBySource[source] = list = [];
                    }

                    list.Add(record);
                }
            }

            if (batch.ProcessWindows.Count > 0)
            {
                _processWindows = batch.ProcessWindows;
            }

            Interlocked.Exchange(ref _cursor, Math.Max(Interlocked.Read(ref _cursor), batch.Next));
        }
    }

    /// <summary>The process fault whose window (with its lead) holds <paramref name="sentTicks"/>, as a record.</summary>
    private DropRecord? ProcessFaultAt(LostEntry lost)
    {
        var lead = (long)(ProcessFaultLead.TotalSeconds * Stopwatch.Frequency);
        foreach (var w in _processWindows)
        {
            if (lost.SentTicks >= ToTicks(w.Start) - lead && (w.End is not { } end || lost.SentTicks <= ToTicks(end)))
            {
                return new DropRecord(0, w.Start, "process", w.Id, w.Kind, "", lost.RequestId, lost.Pair, null);
            }
        }

        return null;
    }

    /// <summary>Judges the losses declared before <paramref name="readStartedTicks"/> and the contradictions old enough.</summary>
    private void Judge(long readStartedTicks)
    {
        for (var i = 0; i < _pendingLost.Count; i++)
        {
            var lost = _pendingLost[i];
            if (lost.LostTicks > readStartedTicks)
            {
                continue;
            }

            lost.Explanation = _byRequestId.GetValueOrDefault(lost.RequestId) ?? ProcessFaultAt(lost);
            lost.Judged = true;
            if (lost.Explanation is { } record)
            {
                _lostExplained++;
                _lostByKind[record.FaultKind] = _lostByKind.GetValueOrDefault(record.FaultKind) + 1;
                var (l, c) = _byFaultId.GetValueOrDefault(record.FaultId);
                _byFaultId[record.FaultId] = (l + 1, c);
            }
            else
            {
                _lostUnexplained++;
                _unexplainedLostSentTicks.Add(lost.SentTicks);
            }

            _pendingLost.RemoveAt(i--);
        }

        for (var i = 0; i < _pendingContradictions.Count; i++)
        {
            var contradiction = _pendingContradictions[i];
            if (readStartedTicks != long.MaxValue && contradiction.ReceivedTicks + _contradictionSettleTicks > readStartedTicks)
            {
                continue;
            }

            var cause = CauseOf(contradiction);
            if (cause is { } record)
            {
                _contradictingExplained++;
                _contradictingByKind[record.FaultKind] = _contradictingByKind.GetValueOrDefault(record.FaultKind) + 1;
                var (l, c) = _byFaultId.GetValueOrDefault(record.FaultId);
                _byFaultId[record.FaultId] = (l, c + 1);
            }
            else
            {
                _contradictingUnexplained++;
            }

            _pendingContradictions.RemoveAt(i--);
        }
    }

    /// <summary>
    /// The earliest notification of the pair that went missing between the previous one the driver read and
    /// this one, if every such miss is explained; null when none went missing or one is unexplained.
    /// </summary>
    private DropRecord? CauseOf(ContradictionEntry c)
    {
        var misses = new List<(long Ticks, DropRecord? Record)>();
        foreach (var lost in _lostByPair.GetValueOrDefault(c.Pair) ?? [])
        {
            if (lost.SentTicks >= c.PreviousReceivedTicks && lost.SentTicks < c.ReceivedTicks && lost.Judged)
            {
                misses.Add((lost.SentTicks, lost.Explanation));
            }
        }

        foreach (var record in _unsolicitedBySource.GetValueOrDefault(c.Pair) ?? [])
        {
            // An Update no request caused, recorded as costed by a fault, carrying a state the driver did not show.
            var ticks = ToTicks(record.At);
            if (ticks >= Math.Max(c.PreviousReceivedTicks, _refTicks) && ticks < c.ReceivedTicks && record.State != c.ObservedBefore)
            {
                misses.Add((ticks, record));
            }
        }

        if (misses.Count == 0 || misses.Any(m => m.Record is null))
        {
            return null;
        }

        return misses.MinBy(m => m.Ticks).Record;
    }

    private long ToTicks(DateTimeOffset serverTime) =>
        _refTicks + (long)((serverTime - _serverOffset - _refUtc).TotalSeconds * Stopwatch.Frequency);

    private DateTimeOffset ToUtc(long ticks) => _refUtc + Stopwatch.GetElapsedTime(_refTicks, ticks);

    private sealed class LostEntry(string requestId, string pair, long sentTicks, long lostTicks)
    {
        public string RequestId { get; } = requestId;

        public string Pair { get; } = pair;

        public long SentTicks { get; } = sentTicks;

        public long LostTicks { get; } = lostTicks;

        public bool Judged { get; set; }

        public DropRecord? Explanation { get; set; }
    }

    private sealed record ContradictionEntry(string Pair, long SentTicks, long ReceivedTicks, long PreviousReceivedTicks, string? ObservedBefore);
}
