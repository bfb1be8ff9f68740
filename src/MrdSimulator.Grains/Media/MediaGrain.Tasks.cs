using System.Collections.Immutable;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Simulation;

namespace MrdSimulator.Grains.Media;

/// <summary>
/// The task half of the Media grain: offers, dialog actions, RONA, task duration, interrupts and the close or
/// transfer of dialogs at sign-out. What ending a dialog means outside this grain (the contact's ledger, a requeue,
/// the MRD's figures) is told through the outbox after the state is saved.
/// </summary>
public sealed partial class MediaGrain
{
    private MediaTaskState _tasks = MediaTaskState.Initial;
    private List<Action>? _effects;
    private Dictionary<string, IDisposable>? _ronaTimers;
    private Dictionary<string, IDisposable>? _lifeTimers;
    private AgentView _lastView;
    private long _postedVersion = -1;
    private long _availableSince;
    private bool _interrupting;
    private long _accountedAt;
    private bool _accountedSignedIn;
    private bool _accountedBusy;

    private enum Ending
    {
        Handled,
        Transferred,
        Rona,
        Requeued,
        Expired,
    }

    /// <summary>
    /// Offered by the MRD's queue. Accepted only if, in this turn, the agent is signed in, READY, routable
    /// (with no not-routable change pending), not interrupted, and below maxDialogLimit.
    /// </summary>
    public async ValueTask<OfferResult> TryOfferAsync(QueuedTask task)
    {
        var current = Media;
        if (!IsEligible(current, _tasks.Dialogs.Count) || _tasks.Find(task.TaskId) is not null)
        {
            return new OfferResult(false, Posted(CurrentView(current, force: true)));
        }

        var now = Now;
        var dialog = Create(task, now);
        _tasks = _tasks with { Dialogs = _tasks.Dialogs.Add(dialog) };
        var next = MediaStateMachine.WithDialogs(current, Summaries(_tasks.Dialogs), now);
        await SaveAsync(next);

        services.Outbox.ToContact(task.ContactId, new ContactEvent(ContactEventKind.Offered, task.TaskId, now, _key.UserId));
        PublishDialogCollection(UpdateEvent.Post, dialog, null);
        if (MediaChanged(current, next))
        {
            PublishMedia(null, next);
        }

        var id = dialog.Id;
        (_ronaTimers ??= new(StringComparer.Ordinal))[id] = this.After(RingTime(id), services.Work, () => RingNoAnswerAsync(id));
        (_lifeTimers ??= new(StringComparer.Ordinal))[id] = this.After(TimeSpan.FromSeconds(_mrd.MaxTaskDurationSeconds), services.Work, () => LifetimeExceededAsync(id));

        _availableSince = clock.GetTimestamp();
        AfterTurn(postView: false);
        return new OfferResult(true, Posted(CurrentView(next, force: true)));
    }

    /// <summary>
    /// <c>PUT /finesse/api/Dialog/{id}</c> by the agent holding the dialog. Refusals Finesse can see (unknown
    /// dialog, action not allowed in the dialog's state, unknown transfer target) are synchronous; ARM refusals
    /// (the MRD is interrupted) arrive as an apiErrors Update on the Dialogs/Media node.
    /// </summary>
    public async ValueTask<DialogActResult> ActAsync(string dialogId, DialogAction action, string? target, string? requestId)
    {
        if (_tasks.Find(dialogId) is not { } dialog)
        {
            return DialogActResult.NotFound;
        }

        if (Media.Interrupted)
        {
            PublishDialogError(requestId, dialogId, ApiError.FromArm(ArmError.NotValidAfterInterrupt, _mrd.Id));
            return DialogActResult.AcceptedWithAsyncError;
        }

        if (!DialogRules.IsAllowed(dialog.State, action))
        {
            return DialogActResult.NotAllowed;
        }

        ScriptSelector? selector = null;
        if (action == DialogAction.Transfer && (target is null || (selector = services.Directory.FindScriptSelector(target)) is null))
        {
            return DialogActResult.UnknownTarget;
        }

        if (action is DialogAction.Close or DialogAction.Transfer)
        {
            await EndDialogAsync(
                dialog,
                action == DialogAction.Close ? DispositionCodes.NormalEnd : DispositionCodes.Transfer,
                action == DialogAction.Close ? Ending.Handled : Ending.Transferred,
                requestId,
                selector);
            return DialogActResult.Accepted;
        }

        var now = Now;
        var changed = dialog with { State = DialogRules.Next(action), StateChangeTime = now };
        _tasks = _tasks with { Dialogs = _tasks.Dialogs.Replace(dialog, changed) };
        var before = Media;
        var next = MediaStateMachine.WithDialogs(before, Summaries(_tasks.Dialogs), now);
        await SaveAsync(next);
        if (action == DialogAction.Accept)
        {
            StopTimer(_ronaTimers, dialog.Id);
        }

        PublishDialog(changed, requestId);
        if (MediaChanged(before, next))
        {
            PublishMedia(null, next);
        }

        AfterTurn();
        return DialogActResult.Accepted;
    }

    public ValueTask<DialogsView> GetDialogsAsync() => ValueTask.FromResult(new DialogsView(_tasks.Dialogs, Media.Interrupted));

    public async ValueTask InterruptAsync(ImmutableArray<InterruptChange> changes)
    {
        var sources = _tasks.InterruptedBy;
        foreach (var change in changes)
        {
            sources = change.On ? sources.Add(change.SourceMrdId) : sources.Remove(change.SourceMrdId);
        }

        if (sources == _tasks.InterruptedBy)
        {
            return;
        }

        _tasks = _tasks with { InterruptedBy = sources };
        var before = Media;
        var next = MediaStateMachine.WithInterrupt(before, !sources.IsEmpty, _mrd.Interruptible, Now);
        await SaveAsync(next);
        if (MediaChanged(before, next))
        {
            // Only a Media notification: Finesse sends no Dialogs/Media events on interrupt (G125-187).
            PublishMedia(null, next);
        }

        AfterTurn();
    }

    private void ActivateTasks()
    {
        _tasks = state.State.Tasks;
        _accountedAt = clock.GetTimestamp();
        _availableSince = _accountedAt;
        _accountedSignedIn = Media.IsSignedIn;
        _accountedBusy = !_tasks.Dialogs.IsEmpty;
        _interrupting = !_tasks.Dialogs.IsEmpty && !_mrd.Interruptible;

        // A reactivated grain re-arms the timers of the dialogs it holds, with the time they have left.
        var now = Now;
        foreach (var dialog in _tasks.Dialogs)
        {
            var id = dialog.Id;
            if (dialog.State == DialogState.Offered)
            {
                var left = TimeSpan.FromSeconds(_mrd.TaskStartTimeoutSeconds) - (now - dialog.StartTime);
                (_ronaTimers ??= new(StringComparer.Ordinal))[id] = this.After(left, services.Work, () => RingNoAnswerAsync(id));
            }

            var life = TimeSpan.FromSeconds(_mrd.MaxTaskDurationSeconds) - (now - dialog.StartTime);
            (_lifeTimers ??= new(StringComparer.Ordinal))[id] = this.After(life, services.Work, () => LifetimeExceededAsync(id));
        }
    }

    /// <summary>What a Media request does to the tasks: sign-out ends them; sign-in takes up an interrupt in force.</summary>
    private MediaState AfterMediaRequest(MediaRequest request, MediaOutcome outcome, DateTime now)
    {
        var next = outcome.State;
        if (request.State == AgentState.Logout && !outcome.EndedDialogs.IsDefault && !_tasks.Dialogs.IsEmpty)
        {
            var logoutAction = Media.DialogLogoutAction ?? DialogLogoutAction.Close;
            foreach (var dialog in _tasks.Dialogs)
            {
                // An offer the agent never accepted is not the agent's work: it goes back to the queue either way.
                if (dialog.State == DialogState.Offered)
                {
                    Retire(dialog, DispositionCodes.AgentLoggedOutDuringDialog, Ending.Requeued, null, null, now);
                }
                else if (logoutAction == DialogLogoutAction.Transfer)
                {
                    Retire(dialog, DispositionCodes.TransferredOnAgentLogout, Ending.Transferred, null,
                        services.Directory.ScriptSelectorFor(_mrd.Id) ?? new ScriptSelector(_mrd.Name, _mrd.Id), now);
                }
                else
                {
                    Retire(dialog, DispositionCodes.AgentLoggedOutDuringDialog, Ending.Handled, null, null, now);
                }
            }

            _tasks = _tasks with { Dialogs = [] };
        }

        if (request.State == AgentState.Login && outcome.Effect == MediaEffect.Publish && !_tasks.InterruptedBy.IsEmpty)
        {
            next = MediaStateMachine.WithInterrupt(next, true, _mrd.Interruptible, now);
        }

        return next;
    }

    private async Task RingNoAnswerAsync(string dialogId)
    {
        _ronaTimers?.Remove(dialogId);
        if (_tasks.Find(dialogId) is { State: DialogState.Offered } dialog)
        {
            await EndDialogAsync(dialog, DispositionCodes.RingNoAnswer, Ending.Rona, null, null);
        }
    }

    private async Task LifetimeExceededAsync(string dialogId)
    {
        _lifeTimers?.Remove(dialogId);
        if (_tasks.Find(dialogId) is { } dialog)
        {
            await EndDialogAsync(dialog, DispositionCodes.MaxDialogLifetimeExceeded, Ending.Expired, null, null);
        }
    }

    private async ValueTask EndDialogAsync(TaskDialog dialog, string disposition, Ending ending, string? requestId, ScriptSelector? transferTo)
    {
        var now = Now;
        Retire(dialog, disposition, ending, requestId, transferTo, now);
        _tasks = _tasks with { Dialogs = _tasks.Dialogs.Remove(dialog) };
        var before = Media;
        var next = MediaStateMachine.WithDialogs(before, Summaries(_tasks.Dialogs), now);
        if (ending == Ending.Rona)
        {
            // RONA: CCE makes the agent not routable (G125-172).
            next = MediaStateMachine.MakeNotRoutable(next);
        }

        await SaveAsync(next);
        RunEffects();
        if (MediaChanged(before, next))
        {
            PublishMedia(null, next);
        }

        _availableSince = clock.GetTimestamp();
        AfterTurn();
    }

    /// <summary>
    /// Queues what ending a dialog does outside this grain's state: the DELETE notification, the contact's ledger
    /// (with the task to queue again, if any) and the MRD's figures. Run by <see cref="RunEffects"/> after saving.
    /// </summary>
    private void Retire(TaskDialog dialog, string disposition, Ending ending, string? requestId, ScriptSelector? transferTo, DateTime now)
    {
        StopTimer(_ronaTimers, dialog.Id);
        StopTimer(_lifeTimers, dialog.Id);
        var closed = dialog with { State = DialogState.Closed, DispositionCode = disposition, StateChangeTime = now };
        var mrdId = dialog.MrdId;
        (_effects ??= []).Add(() =>
        {
            PublishDialogCollection(UpdateEvent.Delete, closed, requestId);
            ContactEvent told;
            switch (ending)
            {
                case Ending.Handled:
                    services.Outbox.Stats(mrdId, now - dialog.StartTime, static (s, t) => s.Handled(t));
                    told = new ContactEvent(ContactEventKind.Handled, dialog.Id, now);
                    break;
                case Ending.Expired:
                    services.Outbox.Stats(mrdId, 0, static (s, _) => s.Expired());
                    told = new ContactEvent(ContactEventKind.Expired, dialog.Id, now);
                    break;
                case Ending.Rona or Ending.Requeued:
                    if (ending == Ending.Rona)
                    {
                        services.Outbox.Stats(mrdId, 0, static (s, _) => s.Rona());
                    }

                    // The same CCE task goes back to the queue (renotify).
                    told = new ContactEvent(ending == Ending.Rona ? ContactEventKind.RingNoAnswer : ContactEventKind.Requeued, dialog.Id, now,
                        Requeue: new QueuedTask(dialog.Id, dialog.ContactId, mrdId, dialog.QueueName, dialog.CallVariables, now, dialog.WorkHint));
                    break;
                default:
                    // A transfer resubmits the work as a new CCE task (the contact gives it a new id) on the target's MRD.
                    var target = transferTo!;
                    services.Outbox.Stats(mrdId, 0, static (s, _) => s.Transferred());
                    told = new ContactEvent(ContactEventKind.Transferred, dialog.Id, now,
                        Requeue: new QueuedTask(string.Empty, dialog.ContactId, target.MrdId, target.Name, dialog.CallVariables, now, dialog.WorkHint));
                    break;
            }

            services.Outbox.ToContact(dialog.ContactId, told);
        });
    }

    private void RunEffects()
    {
        if (_effects is null)
        {
            return;
        }

        foreach (var effect in _effects)
        {
            effect();
        }

        _effects = null;
    }

    /// <summary>End of every turn that may have changed things: agent time, interrupts of the user's other MRDs, the queue's view.</summary>
    private void AfterTurn(bool postView = true)
    {
        RunEffects();
        var current = Media;
        var now = clock.GetTimestamp();
        var elapsed = clock.GetElapsedTime(_accountedAt, now);
        if (elapsed > TimeSpan.Zero && _accountedSignedIn)
        {
            services.Outbox.Stats(_mrd.Id, (Staffed: elapsed, Busy: _accountedBusy ? elapsed : TimeSpan.Zero), static (s, t) => s.AgentTime(t.Staffed, t.Busy));
        }

        _accountedAt = now;
        _accountedSignedIn = current.IsSignedIn;
        _accountedBusy = !_tasks.Dialogs.IsEmpty;

        // Work in a non-interruptible MRD interrupts the user's interruptible MRDs until it ends.
        var interrupting = !_mrd.Interruptible && !_tasks.Dialogs.IsEmpty;
        if (interrupting != _interrupting)
        {
            _interrupting = interrupting;
            foreach (var other in _user?.MrdIds ?? [])
            {
                if (other != _mrd.Id && services.Directory.FindMrd(other) is { Interruptible: true })
                {
                    services.Outbox.Interrupt(new MediaGrainKey(_key.UserId, other), new InterruptChange(_mrd.Id, interrupting));
                }
            }
        }

        if (postView)
        {
            var view = CurrentView(current, force: false);
            if (view.Version != _postedVersion)
            {
                services.Outbox.AgentChanged(_mrd.Id, Posted(view));
            }
        }
    }

    /// <summary>The agent as the queue should see it; a new version only when something the queue uses changed.</summary>
    private AgentView CurrentView(MediaState current, bool force)
    {
        var count = _tasks.Dialogs.Count;
        var eligible = IsEligible(current, count);
        if (eligible && !_lastView.Eligible)
        {
            _availableSince = clock.GetTimestamp();
        }

        var slots = current.IsSignedIn ? Math.Max(1, current.MaxDialogLimit) : 0;
        var view = new AgentView(_key.UserId, eligible, Math.Max(0, current.MaxDialogLimit - count), slots, _availableSince, _lastView.Version);
        if (_lastView.UserId is null || view with { Version = 0 } != _lastView with { Version = 0 } || force)
        {
            view = view with { Version = _lastView.Version + 1 };
            _lastView = view;
        }

        return _lastView;
    }

    private AgentView Posted(AgentView view)
    {
        _postedVersion = view.Version;
        return view;
    }

    private TaskDialog Create(QueuedTask task, DateTime now)
    {
        var (prefix, callId, sequence) = TaskIds.Parse(task.TaskId);
        return new TaskDialog(
            task.TaskId, task.ContactId, _key.UserId, _mrd.Id, _mrd.Name, DialogState.Offered, task.CallVariables,
            task.ScriptSelector, _mrd.Id, prefix, callId, sequence, now, now, null, task.WorkHint);
    }

    private static ImmutableArray<DialogSummary> Summaries(ImmutableList<TaskDialog> dialogs) => [.. dialogs.Select(d => d.Summary)];

    private static bool IsEligible(MediaState state, int liveDialogs) =>
        state.IsSignedIn
        && state.Availability == AgentState.Ready
        && state.Routable
        && state.PendingRoutable != false
        && !state.Interrupted
        && liveDialogs < state.MaxDialogLimit;

    /// <summary>Anything but the dialog list differs (the dialog list alone is not a Media change).</summary>
    private static bool MediaChanged(MediaState before, MediaState after) =>
        !ReferenceEquals(before, after) && (after with { Dialogs = before.Dialogs }) != before;

    private static void StopTimer(Dictionary<string, IDisposable>? timers, string dialogId)
    {
        if (timers is not null && timers.Remove(dialogId, out var timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>Offer (POST) or removal (DELETE) on the MRD's dialog collection (reference §8.5).</summary>
    private void PublishDialogCollection(UpdateEvent e, TaskDialog dialog, string? requestId) =>
        Publish(NodeKind.DialogsMedia, requestId, replay: false, (Dialog: dialog, Event: e, RequestId: requestId),
            static a => UpdateXml.Write(a.Event, DialogXml.CollectionUri(a.Dialog.UserId, a.Dialog.MrdId), a.RequestId, x =>
            {
                x.Open("dialogs");
                DialogXml.Write(x, a.Dialog);
                x.Close("dialogs");
            }));

    /// <summary>Any other change: PUT with the Dialog as source.</summary>
    private void PublishDialog(TaskDialog dialog, string? requestId) =>
        Publish(NodeKind.DialogsMedia, requestId, replay: false, (Dialog: dialog, RequestId: requestId),
            static a => UpdateXml.Write(UpdateEvent.Put, DialogXml.Uri(a.Dialog.Id), a.RequestId, x => DialogXml.Write(x, a.Dialog)));

    private void PublishDialogError(string? requestId, string dialogId, ApiError error) =>
        Publish(NodeKind.DialogsMedia, requestId, replay: false, (DialogId: dialogId, Error: error, RequestId: requestId),
            static a => UpdateXml.Write(UpdateEvent.Put, DialogXml.Uri(a.DialogId), a.RequestId, x => ApiErrorsXml.WriteAsync(x, a.Error)));
}
