using System.Diagnostics;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Finesse.Tasks;

namespace MrdSimulator.Load.Tests.Tasks;

/// <summary>
/// The ledger's judgement of offers and removals, fed with Updates written by the simulator's own XML writers:
/// re-offers after RONA or to another agent are not duplicates, a second offer without a removal is, and a removal
/// that overtakes its offer is out of order.
/// </summary>
public sealed class TaskLedgerTests : IDisposable
{
    private readonly Correlator _correlator = new(TimeSpan.FromSeconds(1), "t-");
    private readonly HttpTarget _http = new(new Uri("http://127.0.0.1:9"), 4, TimeSpan.FromSeconds(1));
    private readonly TaskLedger _ledger;
    private readonly string _key;

    public TaskLedgerTests()
    {
        _ledger = new TaskLedger(_correlator, _http);
        _correlator.DialogListener = _ledger;
        _key = _ledger.NewKey();
        _ledger.Submitted(_ledger.Submitting(_key, 5002, Stopwatch.GetTimestamp(), null), "C1");
    }

    public void Dispose()
    {
        _correlator.Dispose();
        _http.Dispose();
    }

    private TaskDialog Dialog(string id, string agent, DialogState state, string? disposition = null) => new(
        id, "C1", agent, 5002, "Cisco_Task_MRD", state,
        [new TaskVariable("callVariable1", "x"), new TaskVariable(DialogInfo.TrackingVariable, _key)],
        "Task_SS", 5002, 150000, 7, 1, DateTime.UtcNow, DateTime.UtcNow, disposition);

    private void Collection(UpdateEvent e, TaskDialog d) => _correlator.OnNotification(
        FinesseUpdate.Parse(UpdateXml.Write(e, DialogXml.CollectionUri(d.UserId, d.MrdId), null, x =>
        {
            x.Open("dialogs");
            DialogXml.Write(x, d);
            x.Close("dialogs");
        }))!,
        Stopwatch.GetTimestamp());

    private void Offer(string id, string agent) => Collection(UpdateEvent.Post, Dialog(id, agent, DialogState.Offered));

    private void Remove(string id, string agent, string disposition) => Collection(UpdateEvent.Delete, Dialog(id, agent, DialogState.Closed, disposition));

    [Fact]
    public void ParsesTheSimulatorsDialogUpdates()
    {
        var active = Dialog("150000_7_1", "1000", DialogState.Active);
        var put = FinesseUpdate.Parse(UpdateXml.Write(UpdateEvent.Put, DialogXml.Uri(active.Id), "r-1", x => DialogXml.Write(x, active)))!;
        Assert.Equal(("r-1", "PUT"), (put.RequestId, put.Event));
        Assert.Equal(new DialogInfo("150000_7_1", "ACTIVE", null, 5002, _key, ["PAUSE", "WRAP_UP", "TRANSFER", "CLOSE"]), put.Dialog! with { Actions = put.Dialog!.Actions.ToList() }, new DialogComparer());
        Assert.True(put.IsDialog);
        Assert.Null(put.State); // a Dialog's state is not taken for a Media state

        var closed = Dialog("150000_7_1", "1000", DialogState.Closed, "CD_NORMAL_END_TASK");
        var delete = FinesseUpdate.Parse(UpdateXml.Write(UpdateEvent.Delete, DialogXml.CollectionUri("1000", 5002), null, x =>
        {
            x.Open("dialogs");
            DialogXml.Write(x, closed);
            x.Close("dialogs");
        }))!;
        Assert.Equal(("CLOSED", "CD_NORMAL_END_TASK", _key), (delete.Dialog!.State, delete.Dialog.Disposition, delete.Dialog.TaskKey));
        Assert.True(TaskLedger.TryParseCollection(delete.Source, out var agent, out var mrd));
        Assert.Equal(("1000", 5002), (agent, mrd));
    }

    [Fact]
    public void ReoffersAfterRonaAndToOtherAgentsAreNotDuplicates()
    {
        var a = _ledger.RegisterAgent("1000");
        Offer("150000_7_1", "1000");
        Remove("150000_7_1", "1000", DialogWire.RingNoAnswer);
        Offer("150000_7_1", "1001");                                   // RONA: the same task id to another agent
        Offer("150000_7_1", "1000");                                   // and later back to the first one
        Remove("150000_7_1", "1001", DialogWire.AgentLoggedOutDuringDialog); // 1001 signed out before accepting: requeued
        Remove("150000_7_1", "1000", DialogWire.TransferredOnAgentLogout);
        Offer("150000_9_1", "1002");                                   // the transfer's new task id
        Remove("150000_9_1", "1002", DialogWire.NormalEnd);

        var s = _ledger.Summary;
        Assert.Equal((0L, 0L, 0L), (s.DuplicateEvents, s.OutOfOrder, _correlator.Notifications.Duplicated));
        var task = Assert.Single(_ledger.Tasks);
        Assert.Equal(["1000", "1001", "1000", "1002"], task.OfferedTo);
        Assert.Equal((1, 1, "1002"), (task.Ronas, task.RequeuedAtSignOut, task.ClosedBy));
        Assert.Equal(["1000"], task.TransferredBy);
        Assert.Equal((4L, 1L, 1L, 1L), (s.Offers, s.Transferred, s.Closed, s.ClosedAfterTransfer));
        Assert.Equal(4, CountOffers(a)); // offers and removals reach the agent they concern
    }

    [Fact]
    public void ASecondOfferWithoutRemovalIsADuplicateAndNotDeliveredTwice()
    {
        var a = _ledger.RegisterAgent("1000");
        Offer("150000_7_1", "1000");
        Offer("150000_7_1", "1000");
        Remove("150000_7_1", "1000", DialogWire.NormalEnd);
        Remove("150000_7_1", "1000", DialogWire.NormalEnd);

        Assert.Equal(2, _ledger.Summary.DuplicateEvents);
        Assert.Equal(2, _correlator.Notifications.Duplicated);
        Assert.Equal(["1000"], Assert.Single(_ledger.Tasks).OfferedTo);
        Assert.Equal(2, CountOffers(a)); // one offer, one removal
    }

    [Fact]
    public async Task ARemovalBeforeItsOfferIsOutOfOrderAndOneWithoutOfferIsAMissingNotification()
    {
        Remove("150000_7_1", "1000", DialogWire.RingNoAnswer);
        Offer("150000_7_1", "1000");                          // overtaken by its removal
        Remove("150000_8_1", "1001", DialogWire.RingNoAnswer); // its offer never came

        await _ledger.ReconcileAsync();
        var s = _ledger.Summary;
        Assert.Equal((1L, 1L), (s.OutOfOrder, s.MissingOffers));
        Assert.Equal((1L, 1L), (_correlator.Notifications.OutOfOrder, _correlator.Notifications.Lost));
        Assert.Equal(1, s.Unresolved); // CCP (nothing listens on port 9) could not be asked where the task is
    }

    private static int CountOffers(AgentInbox inbox)
    {
        var n = 0;
        while (inbox.Channel.Reader.TryRead(out _))
        {
            n++;
        }

        return n;
    }

    private sealed class DialogComparer : IEqualityComparer<DialogInfo>
    {
        public bool Equals(DialogInfo? x, DialogInfo? y) =>
            x is not null && y is not null && x with { Actions = [] } == y with { Actions = [] } && x.Actions.SequenceEqual(y.Actions);

        public int GetHashCode(DialogInfo obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
