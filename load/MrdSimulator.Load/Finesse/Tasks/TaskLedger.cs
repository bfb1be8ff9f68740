using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Threading.Channels;
using System.Xml;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse.Tasks;

/// <summary>Where a submitted task ended, decided once the run is over.</summary>
public enum TaskFinal
{
    None,
    Closed,
    ClosedAtSignOut,
    Queued,
    InProgress,
    HandledElsewhere,
    Discarded,
    Lost,
    Unresolved,
}

/// <summary>What a task-handling agent hears from the ledger (offers, removals) and from its own handlers.</summary>
public enum AgentEventKind : byte
{
    Offer,
    Removed,
    HandlerDone,
    Wake,
}

public readonly record struct AgentEvent(AgentEventKind Kind, string? DialogId, int MrdId, string? Disposition, string? TaskKey, IReadOnlyList<string>? Actions);

/// <summary>One agent's event queue: the ledger writes offers and removals, the agent's handlers write their completion.</summary>
public sealed class AgentInbox(string agentId)
{
    public string AgentId { get; } = agentId;

    public Channel<AgentEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<AgentEvent>(new UnboundedChannelOptions { SingleReader = true });

    private volatile bool _signedOut = true;

    /// <summary>Set by the agent once its sign-out was notified: every dialog it held must have been removed by then.</summary>
    public bool SignedOut
    {
        get => _signedOut;
        set => _signedOut = value;
    }
}

/// <summary>A snapshot of one task's history, for reports and tests.</summary>
public sealed record TaskView(
    string Key,
    string? ContactId,
    int MrdId,
    IReadOnlyList<string> OfferedTo,
    IReadOnlyList<string> TransferredBy,
    string? ClosedBy,
    int Ronas,
    int RequeuedAtSignOut,
    TaskFinal Final,
    string? FinalDetail);

/// <summary>
/// Accounts for every task a run submits. The feed registers a task (its key travels as a call variable) before
/// POSTing it to CCP; every Dialog Update of the agents' streams passes through <see cref="OnDialogUpdate"/>, which
/// follows each task across offers, RONA, transfers and closes, routes offers and removals to the agent they
/// concern, and judges the offer/removal stream per agent × dialog (duplicates, removals before offers, missing
/// ones). When the run is over, <see cref="ReconcileAsync"/> polls CCP for every task without a final event and puts
/// each into exactly one bucket; a task CCP accepted but no longer knows, or marks handled by one of our agents who
/// never worked on it, is lost.
/// </summary>
public sealed class TaskLedger : IDialogListener
{
    private readonly ConcurrentDictionary<string, Record> _tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Holding> _holdings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AgentInbox> _inboxes = new(StringComparer.Ordinal);
    private readonly Correlator _correlator;
    private readonly HttpTarget _http;
    private long _counter;
    private long _refused, _foreign, _duplicateEvents, _outOfOrder, _missingOffers, _missingRemovals;
    private volatile TaskSummary? _final;

    public TaskLedger(Correlator correlator, HttpTarget http)
    {
        _correlator = correlator;
        _http = http;
        KeyPrefix = correlator.RequestIdPrefix + "task-";
    }

    /// <summary>Keys of this run's tasks start with it; offers of other tasks are foreign (handled, not accounted).</summary>
    public string KeyPrefix { get; }

    /// <summary>How many polls run at once when the run is reconciled.</summary>
    public int PollConcurrency { get; init; } = 16;

    /// <summary>How long the reconciliation may poll CCP in all; tasks not polled by then are unresolved.</summary>
    public TimeSpan ReconcileBudget { get; init; } = TimeSpan.FromSeconds(30);

    public bool IsOurAgent(string agentId) => _inboxes.ContainsKey(agentId);

    /// <summary>A task-handling virtual user's agent: its offers and removals are routed to the returned inbox.</summary>
    public AgentInbox RegisterAgent(string agentId) => _inboxes.GetOrAdd(agentId, id => new AgentInbox(id));

    public string NewKey() => KeyPrefix + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);

    /// <summary>Registers a task before it is sent (its offer may overtake the 201).</summary>
    public object Submitting(string key, int mrdId, long startTicks, StepRecorder? offeredStep)
    {
        var record = new Record(key, mrdId, startTicks, offeredStep);
        _tasks[key] = record;
        return record;
    }

    public void Submitted(object token, string? contactId)
    {
        var r = (Record)token;
        lock (r)
        {
            r.Accepted = true;
            r.ContactId = contactId;
        }
    }

    /// <summary>CCP did not accept the task (no 201): not the ledger's concern any more; the submit step has the failure.</summary>
    public void Refused(object token)
    {
        var r = (Record)token;
        if (_tasks.TryRemove(r.Key, out _) && r.Measured)
        {
            Interlocked.Increment(ref _refused);
        }
    }

    /// <summary>One of our agents' actions on the task was accepted (so CCP may show it handled by that agent).</summary>
    public void Worked(string? taskKey)
    {
        if (taskKey is not null && _tasks.TryGetValue(taskKey, out var r))
        {
            lock (r)
            {
                r.Worked = true;
            }
        }
    }

    public void OnDialogUpdate(FinesseUpdate update, long receivedTicks, PendingRequest? matched)
    {
        if (update.Dialog is not { } d)
        {
            return; // an asynchronous error: its request's step has it
        }

        var evt = update.Event?.ToUpperInvariant();
        string? agent;
        var mrd = d.MrdId ?? 0;
        if (matched is not null)
        {
            var source = matched.Pair.Source;
            agent = source[..source.IndexOf('|', StringComparison.Ordinal)];
        }
        else if (!TryParseCollection(update.Source, out agent, out mrd))
        {
            return;
        }

        var record = d.TaskKey is { } key && key.StartsWith(KeyPrefix, StringComparison.Ordinal) && _tasks.TryGetValue(key, out var found) ? found : null;
        switch (evt)
        {
            case DialogWire.EventPost:
                OnOffer(agent!, mrd, d, record, receivedTicks);
                break;
            case DialogWire.EventDelete:
                OnRemoved(agent!, mrd, d, record);
                break;
            default:
                if (_holdings.TryGetValue(HoldingKey(agent!, d.Id), out var h))
                {
                    lock (h)
                    {
                        h.State = d.State;
                    }
                }

                break;
        }
    }

    private void OnOffer(string agent, int mrd, DialogInfo d, Record? record, long receivedTicks)
    {
        var h = _holdings.GetOrAdd(HoldingKey(agent, d.Id), _ => new Holding());
        lock (h)
        {
            if (h.Live)
            {
                // The same dialog offered twice to the same agent without a removal in between.
                Interlocked.Increment(ref _duplicateEvents);
                _correlator.CountDuplicate();
                return;
            }

            if (h.Orphans > 0)
            {
                // Its removal came first (one stream, one node: the server must keep their order).
                h.Orphans--;
                Interlocked.Increment(ref _outOfOrder);
                _correlator.CountOutOfOrder();
                return;
            }

            h.Live = true;
            h.State = d.State ?? DialogWire.Offered;
            h.LastRemoval = null;
        }

        if (record is null)
        {
            Interlocked.Increment(ref _foreign);
        }
        else
        {
            lock (record)
            {
                record.Offers++;
                record.OfferedTo.Add(agent);
                if (record.Offers == 1 && record.Measured)
                {
                    record.OfferedStep?.Record(true, StatusCodes.Notified, receivedTicks - record.StartTicks);
                }
            }
        }

        if (_inboxes.TryGetValue(agent, out var inbox))
        {
            inbox.Channel.Writer.TryWrite(new AgentEvent(AgentEventKind.Offer, d.Id, mrd, null, d.TaskKey, d.Actions));
        }
    }

    private void OnRemoved(string agent, int mrd, DialogInfo d, Record? record)
    {
        var h = _holdings.GetOrAdd(HoldingKey(agent, d.Id), _ => new Holding());
        string? heldState;
        lock (h)
        {
            if (!h.Live)
            {
                if (h.LastRemoval is not null && h.LastRemoval == d.Disposition)
                {
                    Interlocked.Increment(ref _duplicateEvents);
                    _correlator.CountDuplicate();
                    return;
                }

                // A removal of an offer this agent never saw: missing, unless the offer turns up later (out of order).
                h.Orphans++;
            }

            heldState = h.Live ? h.State : null;
            h.Live = false;
            h.LastRemoval = d.Disposition;
        }

        if (record is not null)
        {
            lock (record)
            {
                switch (d.Disposition)
                {
                    case DialogWire.NormalEnd:
                        record.ClosedBy = agent;
                        break;
                    case DialogWire.TransferredOnAgentLogout or DialogWire.Transfer:
                        record.TransferredBy.Add(agent);
                        break;
                    case DialogWire.RingNoAnswer:
                        record.Ronas++;
                        break;
                    case DialogWire.AgentLoggedOutDuringDialog:
                        // An offer never accepted goes back to the queue; accepted work is closed (sign-out with CLOSE).
                        if (heldState is null or DialogWire.Offered)
                        {
                            record.RequeuedAtSignOut++;
                        }
                        else
                        {
                            record.ClosedAtSignOut = agent;
                        }

                        break;
                    case DialogWire.MaxDialogLifetimeExceeded:
                        record.Expired = true;
                        break;
                }
            }
        }

        if (_inboxes.TryGetValue(agent, out var inbox))
        {
            inbox.Channel.Writer.TryWrite(new AgentEvent(AgentEventKind.Removed, d.Id, mrd, d.Disposition, d.TaskKey, null));
        }
    }

    /// <summary>What warm-up submitted is still followed (agents handle it) but no longer counted.</summary>
    public void ResetAfterWarmUp()
    {
        foreach (var r in _tasks.Values)
        {
            lock (r)
            {
                r.Measured = false;
            }
        }

        Interlocked.Exchange(ref _refused, 0);
        Interlocked.Exchange(ref _foreign, 0);
        Interlocked.Exchange(ref _duplicateEvents, 0);
        Interlocked.Exchange(ref _outOfOrder, 0);
    }

    /// <summary>Live figures, or the final ones once reconciled.</summary>
    public TaskSummary Summary => _final ?? Summarise(reconciled: false);

    public IReadOnlyList<TaskView> Tasks => _tasks.Values.Where(r => r.Measured).Select(r =>
    {
        lock (r)
        {
            return new TaskView(r.Key, r.ContactId, r.MrdId, r.OfferedTo.ToList(), r.TransferredBy.ToList(), r.ClosedBy, r.Ronas, r.RequeuedAtSignOut, r.Final, r.FinalDetail);
        }
    }).OrderBy(v => v.Key.Length).ThenBy(v => v.Key, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Puts every task into its final bucket: from the dialog events for closed and expired ones, else from CCP
    /// (<c>GET /ccp/task/contact/{id}</c>). Removals of offers never seen and dialogs still live for agents who
    /// signed out count as lost notifications.
    /// </summary>
    public async Task ReconcileAsync()
    {
        var toPoll = new List<Record>();
        foreach (var r in _tasks.Values)
        {
            lock (r)
            {
                if (!r.Accepted)
                {
                    continue;
                }

                if (r.ClosedBy is not null)
                {
                    (r.Final, r.FinalDetail) = (TaskFinal.Closed, r.ClosedBy);
                }
                else if (r.ClosedAtSignOut is not null)
                {
                    (r.Final, r.FinalDetail) = (TaskFinal.ClosedAtSignOut, r.ClosedAtSignOut);
                }
                else if (r.Expired)
                {
                    (r.Final, r.FinalDetail) = (TaskFinal.Discarded, DialogWire.MaxDialogLifetimeExceeded);
                }
                else if (r.ContactId is null)
                {
                    (r.Final, r.FinalDetail) = (TaskFinal.Unresolved, "no Location in the 201");
                }
                else
                {
                    toPoll.Add(r);
                }
            }
        }

        // Its own budget: the engine's settle token may be nearly spent by the notification settling before it.
        using var budget = new CancellationTokenSource(ReconcileBudget);
        using var gate = new SemaphoreSlim(PollConcurrency);
        await Task.WhenAll(toPoll.Select(async r =>
        {
            (TaskFinal, string?) result;
            try
            {
                await gate.WaitAsync(budget.Token);
                try
                {
                    result = await PollAsync(r, budget.Token);
                }
                finally
                {
                    gate.Release();
                }
            }
            catch (OperationCanceledException)
            {
                result = (TaskFinal.Unresolved, $"not polled: reconciliation took longer than {ReconcileBudget.TotalSeconds:0} s");
            }

            lock (r)
            {
                (r.Final, r.FinalDetail) = result;
            }
        }));

        long missingOffers = 0, missingRemovals = 0;
        foreach (var (key, h) in _holdings)
        {
            var agent = key[..key.IndexOf('|', StringComparison.Ordinal)];
            lock (h)
            {
                missingOffers += h.Orphans;
                if (h.Live && _inboxes.TryGetValue(agent, out var inbox) && inbox.SignedOut)
                {
                    missingRemovals++;
                }
            }
        }

        Interlocked.Exchange(ref _missingOffers, missingOffers);
        Interlocked.Exchange(ref _missingRemovals, missingRemovals);
        _correlator.CountLost(missingOffers + missingRemovals);
        _final = Summarise(reconciled: true);
    }

    private async Task<(TaskFinal Final, string? Detail)> PollAsync(Record r, CancellationToken cancellationToken)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(_http.RequestTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, _http.Resolve("/ccp/task/contact/" + Uri.EscapeDataString(r.ContactId!)));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
            using var response = await _http.Invoker.SendAsync(request, cts.Token);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return (TaskFinal.Lost, "CCP accepted it (201) but no longer knows the contact (404)");
            }

            if (!response.IsSuccessStatusCode)
            {
                return (TaskFinal.Unresolved, $"poll answered HTTP {(int)response.StatusCode}");
            }

            var (status, reason, agentId) = ParseStatus(await response.Content.ReadAsStringAsync(cts.Token));
            bool worked, offeredToAgent;
            lock (r)
            {
                worked = r.Worked;
                offeredToAgent = agentId is not null && r.OfferedTo.Contains(agentId);
            }

            var ours = agentId is not null && IsOurAgent(agentId);
            return status switch
            {
                "queued" or "unread" => (TaskFinal.Queued, reason),
                "reserved" when ours => (TaskFinal.InProgress, agentId),
                "reserved" => (TaskFinal.HandledElsewhere, agentId),
                "handled" when !ours => (TaskFinal.HandledElsewhere, agentId),
                "handled" when worked || offeredToAgent => (TaskFinal.Closed, agentId + " (close notification missing)"),
                "handled" => (TaskFinal.Lost, $"CCP says agent {agentId} handled it, but it was never offered to or worked by that agent"),
                "discarded" => (TaskFinal.Discarded, reason),
                _ => (TaskFinal.Unresolved, $"unknown CCP status '{status}'"),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or XmlException or IOException)
        {
            return (TaskFinal.Unresolved, "poll failed: " + ex.Message);
        }
    }

    internal static (string? Status, string? Reason, string? AgentId) ParseStatus(string xml)
    {
        string? status = null, reason = null, agent = null;
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true });
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.Depth != 1)
            {
                continue;
            }

            switch (reader.LocalName)
            {
                case "status":
                    status = reader.ReadElementContentAsString();
                    break;
                case "statusReason":
                    reason = reader.ReadElementContentAsString();
                    break;
                case "agentID":
                    agent = reader.ReadElementContentAsString();
                    break;
            }
        }

        return (status, reason, string.IsNullOrEmpty(agent) ? null : agent);
    }

    /// <summary>Clean: cancels what is still waiting in a queue, so the next run does not meet this run's tasks.</summary>
    public async Task CancelQueuedAsync(CancellationToken cancellationToken)
    {
        var open = _tasks.Values.Where(r =>
        {
            lock (r)
            {
                // In progress too: the agents' clean-up sign-out (TRANSFER) may just have requeued it; CCP refuses the rest (400).
                return r.Accepted && r.ContactId is not null && r.Final is TaskFinal.Queued or TaskFinal.InProgress or TaskFinal.Unresolved or TaskFinal.None
                       && r.ClosedBy is null && r.ClosedAtSignOut is null;
            }
        }).ToList();
        using var gate = new SemaphoreSlim(PollConcurrency);
        await Task.WhenAll(open.Select(async r =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, _http.Resolve("/ccp/task/contact/" + Uri.EscapeDataString(r.ContactId!)));
                using var response = await _http.Invoker.SendAsync(request, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Best effort: clean is not measured.
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private TaskSummary Summarise(bool reconciled)
    {
        long submitted = 0, offered = 0, offers = 0, transferred = 0, transfers = 0, ronas = 0, requeued = 0, closedAfterTransfer = 0;
        var buckets = new long[Enum.GetValues<TaskFinal>().Length];
        foreach (var r in _tasks.Values)
        {
            lock (r)
            {
                if (!r.Measured || !r.Accepted)
                {
                    continue;
                }

                submitted++;
                offered += r.Offers > 0 ? 1 : 0;
                offers += r.Offers;
                transferred += r.TransferredBy.Count > 0 ? 1 : 0;
                transfers += r.TransferredBy.Count;
                ronas += r.Ronas;
                requeued += r.RequeuedAtSignOut;
                var final = reconciled ? r.Final : r.ClosedBy is not null ? TaskFinal.Closed : r.ClosedAtSignOut is not null ? TaskFinal.ClosedAtSignOut : TaskFinal.None;
                buckets[(int)final]++;
                if (final == TaskFinal.Closed && r.TransferredBy.Count > 0)
                {
                    closedAfterTransfer++;
                }
            }
        }

        return new TaskSummary(
            submitted,
            Interlocked.Read(ref _refused),
            offered,
            offers,
            buckets[(int)TaskFinal.Closed],
            closedAfterTransfer,
            buckets[(int)TaskFinal.ClosedAtSignOut],
            transferred,
            transfers,
            ronas,
            requeued,
            buckets[(int)TaskFinal.Queued],
            buckets[(int)TaskFinal.InProgress],
            buckets[(int)TaskFinal.HandledElsewhere],
            buckets[(int)TaskFinal.Discarded],
            buckets[(int)TaskFinal.Lost],
            buckets[(int)TaskFinal.Unresolved],
            Interlocked.Read(ref _foreign),
            Interlocked.Read(ref _duplicateEvents),
            Interlocked.Read(ref _missingOffers),
            Interlocked.Read(ref _missingRemovals),
            Interlocked.Read(ref _outOfOrder),
            reconciled);
    }

    private static string HoldingKey(string agent, string dialogId) => agent + "|" + dialogId;

    /// <summary><c>/finesse/api/User/{agent}/Media/{mrd}/Dialogs</c> → agent and MRD.</summary>
    internal static bool TryParseCollection(string? source, out string? agent, out int mrd)
    {
        const string prefix = "/finesse/api/User/";
        agent = null;
        mrd = 0;
        if (source is null || !source.StartsWith(prefix, StringComparison.Ordinal) || !source.EndsWith("/Dialogs", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = source.AsSpan(prefix.Length, source.Length - prefix.Length - "/Dialogs".Length);
        var slash = rest.IndexOf("/Media/", StringComparison.Ordinal);
        if (slash <= 0 || !int.TryParse(rest[(slash + "/Media/".Length)..], NumberStyles.None, CultureInfo.InvariantCulture, out mrd))
        {
            return false;
        }

        agent = rest[..slash].ToString();
        return true;
    }

    /// <summary>The task as the ledger follows it. Guarded by its own lock.</summary>
    private sealed class Record(string key, int mrdId, long startTicks, StepRecorder? offeredStep)
    {
        public string Key { get; } = key;

        public int MrdId { get; } = mrdId;

        public long StartTicks { get; } = startTicks;

        public StepRecorder? OfferedStep { get; } = offeredStep;

        public bool Measured { get; set; } = true;

        public bool Accepted { get; set; }

        public string? ContactId { get; set; }

        public int Offers { get; set; }

        public List<string> OfferedTo { get; } = [];

        public List<string> TransferredBy { get; } = [];

        public int Ronas { get; set; }

        public int RequeuedAtSignOut { get; set; }

        public string? ClosedBy { get; set; }

        public string? ClosedAtSignOut { get; set; }

        public bool Expired { get; set; }

        public bool Worked { get; set; }

        public TaskFinal Final { get; set; }

        public string? FinalDetail { get; set; }
    }

    /// <summary>One dialog as one agent holds it, judged from that agent's stream. Guarded by its own lock.</summary>
    private sealed class Holding
    {
        public bool Live { get; set; }

        public string? State { get; set; }

        public string? LastRemoval { get; set; }

        /// <summary>Removals seen while no offer was live (a later offer makes one of them out of order; else the offer is missing).</summary>
        public int Orphans { get; set; }
    }
}
