using System.Collections.Immutable;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Grains.Notifications;
using MrdSimulator.Grains.Storage;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Grains.Media;

/// <summary>
/// The task half of the Media grain: offers, dialog actions, RONA, task duration, interrupts and the
/// close/transfer of dialogs at sign-out. Every decision about this agent's tasks in this MRD is taken
/// here, in one turn, so an offer racing a sign-out or a RONA racing an ACCEPT has exactly one outcome.
/// Side effects on other grains (requeue, interrupts, the agent's view for the queue) are posted after
/// the state is saved, never awaited: the queue waits on this grain, so this grain must not wait on it.
/// </summary>
public sealed partial class MediaGrain
{
    private readonly List<Action> _effects = [];
    private readonly Dictionary<string, IDisposable> _ronaTimers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IDisposable> _lifeTimers = new(StringComparer.Ordinal);
    private PersistentState<MediaGrainKey, MediaTaskState>? _tasksState;
    private MediaTaskState _tasksSaved = MediaTaskState.Initial;
    private AgentView _lastView;
    private long _viewVersion;
    private long _postedVersion = -1;
    private long _availableSince;
    private bool _interrupting;
    private long _accountedAt;
    private bool _accountedSignedIn;
    private bool _accountedBusy;

    private MediaTaskState Tasks
    {
        get => _tasksState?.State ?? MediaTaskState.Initial;
        set => (_tasksState ?? throw new InvalidOperationException("Not activated")).State = value;
    }

    private TaskServices TaskServices => services.Tasks ?? throw new InvalidOperationException("The silo runs without task routing");

    private DateTime Now => services.Time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Offered by the MRD's queue. Accepted only if, in this turn, the agent is signed in, READY, routable
    /// (with no not-routable change pending), not interrupted, and below maxDialogLimit.
    /// </summary>
    public async ValueTask<OfferResult> TryOfferAsync(QueuedTask task)
    {
        var mrd = Mrd();
        var state = _state.State;
        if (!IsEligible(state, Tasks.Dialogs.Count) || Tasks.Find(task.TaskId) is not null)
        {
            return new OfferResult(false, Posted(CurrentView(state, mrd, force: true)));
        }

        var now = Now;
        var dialog = TaskDialogs.Create(task, key.UserId, mrd, now);
        Tasks = Tasks with { Dialogs = Tasks.Dialogs.Add(dialog) };
        var next = MediaStateMachine.WithDialogs(state, TaskDialogs.Summaries(Tasks.Dialogs), now);
        await SaveAsync(next).ConfigureAwait(false);
        await SaveTasksAsync().ConfigureAwait(false);

        // The contact names the agent before the offer is published: the agent may ACCEPT the moment it sees the
        // offer, and the Dialog API finds the dialog's holder through the contact.
        TaskServices.Contacts.Update(task.ContactId, c => c.WithLeg(task.TaskId, l => l with { Offers = l.Offers + 1, FirstOfferedAt = l.FirstOfferedAt ?? now }) with
        {
            Status = ContactStatus.Reserved,
            StatusReason = ContactReasons.ExternallyRouted,
            TaskId = task.TaskId,
            AgentId = key.UserId,
        });

        PublishDialogCollection(UpdateEvent.Post, dialog, null);
        if (MediaChanged(state, next))
        {
            PublishMedia(null, mrd, next);
        }

        _ronaTimers[dialog.Id] = RegisterTimer(_ => RingNoAnswerAsync(dialog.Id), RingTime(mrd, dialog.Id), Timeout.InfiniteTimeSpan);
        _lifeTimers[dialog.Id] = RegisterTimer(_ => LifetimeExceededAsync(dialog.Id), TimeSpan.FromSeconds(mrd.MaxTaskDurationSeconds), Timeout.InfiniteTimeSpan);

        _availableSince = services.Time.GetTimestamp();
        AfterTurn(mrd, postView: false);
        return new OfferResult(true, Posted(CurrentView(next, mrd, force: true)));
    }

    /// <summary>
    /// <c>PUT /finesse/api/Dialog/{id}</c> by the agent holding the dialog. Refusals Finesse can see
    /// (unknown dialog, action not allowed in the dialog's state, unknown transfer target) are synchronous;
    /// ARM refusals (the MRD is interrupted) arrive as an apiErrors Update on the Dialogs/Media node.
    /// </summary>
    public async ValueTask<DialogActResult> ActAsync(string dialogId, DialogAction action, string? target, string? requestId)
    {
        var mrd = Mrd();
        if (Tasks.Find(dialogId) is not { } dialog)
        {
            return DialogActResult.NotFound;
        }

        if (_state.State.Interrupted)
        {
            PublishDialogError(requestId, dialogId, ApiError.FromArm(ArmError.NotValidAfterInterrupt, mrd.Id));
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

        var now = Now;
        if (action is DialogAction.Close or DialogAction.Transfer)
        {
            await EndDialogAsync(
                dialog,
                action == DialogAction.Close ? DispositionCodes.NormalEnd : DispositionCodes.Transfer,
                action == DialogAction.Close ? Ending.Handled : Ending.Transferred,
                requestId,
                selector).ConfigureAwait(false);
            return DialogActResult.Accepted;
        }

        var changed = dialog with { State = DialogRules.Next(action), StateChangeTime = now };
        Tasks = Tasks with { Dialogs = Tasks.Dialogs.Replace(dialog, changed) };
        var before = _state.State;
        var next = MediaStateMachine.WithDialogs(before, TaskDialogs.Summaries(Tasks.Dialogs), now);
        await SaveAsync(next).ConfigureAwait(false);
        await SaveTasksAsync().ConfigureAwait(false);
        if (action == DialogAction.Accept)
        {
            StopTimer(_ronaTimers, dialog.Id);
        }

        PublishDialog(changed, requestId);
        if (MediaChanged(before, next))
        {
            PublishMedia(null, mrd, next);
        }

        AfterTurn(mrd);
        return DialogActResult.Accepted;
    }

    public ValueTask<(ImmutableList<TaskDialog> Dialogs, bool Interrupted)> GetDialogsAsync() =>
        ValueTask.FromResult((Tasks.Dialogs, _state.State.Interrupted));

    /// <summary>Work in another of the user's MRDs started (<paramref name="on"/>) or ended.</summary>
    public async ValueTask<bool> InterruptAsync(int sourceMrdId, bool on)
    {
        var mrd = Mrd();
        var sources = on ? Tasks.InterruptedBy.Add(sourceMrdId) : Tasks.InterruptedBy.Remove(sourceMrdId);
        if (sources == Tasks.InterruptedBy)
        {
            return false;
        }

        Tasks = Tasks with { InterruptedBy = sources };
        var before = _state.State;
        var next = MediaStateMachine.WithInterrupt(before, !sources.IsEmpty, mrd.Interruptible, Now);
        await SaveAsync(next).ConfigureAwait(false);
        await SaveTasksAsync().ConfigureAwait(false);
        if (MediaChanged(before, next))
        {
            // Only a Media notification: Finesse sends no Dialogs/Media events on interrupt (G125-187).
            PublishMedia(null, mrd, next);
        }

        AfterTurn(mrd);
        return true;
    }

    private async Task ActivateTasksAsync(CancellationToken cancellationToken)
    {
        _accountedAt = services.Time.GetTimestamp();
        _availableSince = _accountedAt;
        if (services.Tasks is null)
        {
            return;
        }

        _tasksState = new PersistentState<MediaGrainKey, MediaTaskState>(key, services.TaskStorage, MediaTaskState.Initial);
        await _tasksState.ReadStateAsync(cancellationToken).ConfigureAwait(false);
        _tasksSaved = _tasksState.State;
        _accountedSignedIn = _state.State.IsSignedIn;
        _accountedBusy = !Tasks.Dialogs.IsEmpty;
        _interrupting = !Tasks.Dialogs.IsEmpty && !Mrd().Interruptible;

        // A reactivated grain re-arms the timers of the dialogs it holds, with the time they have left.
        var mrd = Mrd();
        var now = Now;
        foreach (var dialog in Tasks.Dialogs)
        {
            var id = dialog.Id;
            if (dialog.State == DialogState.Offered)
            {
                var left = TimeSpan.FromSeconds(mrd.TaskStartTimeoutSeconds) - (now - dialog.StartTime);
                _ronaTimers[id] = RegisterTimer(_ => RingNoAnswerAsync(id), left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }

            var life = TimeSpan.FromSeconds(mrd.MaxTaskDurationSeconds) - (now - dialog.StartTime);
            _lifeTimers[id] = RegisterTimer(_ => LifetimeExceededAsync(id), life > TimeSpan.Zero ? life : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>What a Media request does to the tasks: sign-out ends them; sign-in takes up an interrupt in force.</summary>
    private MediaState AfterMediaRequest(MediaRequest request, MediaOutcome outcome, MediaRoutingDomain mrd, DateTime now)
    {
        var next = outcome.State;
        if (services.Tasks is null)
        {
            return next;
        }

        if (request.State == AgentState.Logout && !outcome.EndedDialogs.IsDefault && !Tasks.Dialogs.IsEmpty)
        {
            var logoutAction = _state.State.DialogLogoutAction ?? DialogLogoutAction.Close;
            foreach (var dialog in Tasks.Dialogs)
            {
                // An offer the agent never accepted is not the agent's work: it goes back to the queue either way.
                if (dialog.State == DialogState.Offered)
                {
                    Retire(dialog, DispositionCodes.AgentLoggedOutDuringDialog, Ending.Requeued, null, null, now);
                }
                else if (logoutAction == DialogLogoutAction.Transfer)
                {
                    Retire(dialog, DispositionCodes.TransferredOnAgentLogout, Ending.Transferred, null, services.Directory.ScriptSelectorFor(mrd.Id) ?? new ScriptSelector(mrd.Name, mrd.Id), now);
                }
                else
                {
                    Retire(dialog, DispositionCodes.AgentLoggedOutDuringDialog, Ending.Handled, null, null, now);
                }
            }

            Tasks = Tasks with { Dialogs = [] };
        }

        if (request.State == AgentState.Login && outcome.Effect == MediaEffect.Publish && !Tasks.InterruptedBy.IsEmpty)
        {
            next = MediaStateMachine.WithInterrupt(next, true, mrd.Interruptible, now);
        }

        return next;
    }

    private async Task RingNoAnswerAsync(string dialogId)
    {
        _ronaTimers.Remove(dialogId);
        if (Tasks.Find(dialogId) is not { State: DialogState.Offered } dialog)
        {
            return;
        }

        await EndDialogAsync(dialog, DispositionCodes.RingNoAnswer, Ending.Rona, null, null).ConfigureAwait(false);
    }

    private async Task LifetimeExceededAsync(string dialogId)
    {
        _lifeTimers.Remove(dialogId);
        if (Tasks.Find(dialogId) is { } dialog)
        {
            await EndDialogAsync(dialog, DispositionCodes.MaxDialogLifetimeExceeded, Ending.Expired, null, null).ConfigureAwait(false);
        }
    }

    private async ValueTask EndDialogAsync(TaskDialog dialog, string disposition, Ending ending, string? requestId, ScriptSelector? transferTo)
    {
        var mrd = Mrd();
        var now = Now;
        Retire(dialog, disposition, ending, requestId, transferTo, now);
        Tasks = Tasks with { Dialogs = Tasks.Dialogs.Remove(dialog) };
        var before = _state.State;
        var next = MediaStateMachine.WithDialogs(before, TaskDialogs.Summaries(Tasks.Dialogs), now);
        if (ending == Ending.Rona)
        {
            // RONA: CCE makes the agent not routable (G125-172).
            next = MediaStateMachine.MakeNotRoutable(next);
        }

        await SaveAsync(next).ConfigureAwait(false);
        await SaveTasksAsync().ConfigureAwait(false);
        RunEffects();
        if (MediaChanged(before, next))
        {
            PublishMedia(null, mrd, next);
        }

        _availableSince = services.Time.GetTimestamp();
        AfterTurn(mrd);
    }

    private enum Ending
    {
        Handled,
        Transferred,
        Rona,
        Requeued,
        Expired,
    }

    /// <summary>
    /// Queues what ending a dialog does outside this grain's state: the DELETE notification, the contact,
    /// the capacity counters, and the requeue or resubmission. Run by <see cref="RunEffects"/> after saving.
    /// </summary>
    private void Retire(TaskDialog dialog, string disposition, Ending ending, string? requestId, ScriptSelector? transferTo, DateTime now)
    {
        StopTimer(_ronaTimers, dialog.Id);
        StopTimer(_lifeTimers, dialog.Id);
        var closed = dialog with { State = DialogState.Closed, DispositionCode = disposition, StateChangeTime = now };
        var tasks = TaskServices;
        var mrdId = dialog.MrdId;
        _effects.Add(() =>
        {
            PublishDialogCollection(UpdateEvent.Delete, closed, requestId);
            switch (ending)
            {
                case Ending.Handled:
                    tasks.Capacity.Handled(mrdId, now - dialog.StartTime);
                    tasks.Contacts.Update(dialog.ContactId, c => c.WithLeg(dialog.Id, l => l with { Outcome = TaskOutcome.Handled, EndedAt = now }) with
                    {
                        Status = ContactStatus.Handled,
                        StatusReason = ContactReasons.ExternallyHandled,
                    });
                    break;
                case Ending.Expired:
                    tasks.Capacity.Expired(mrdId);
                    tasks.Contacts.Update(dialog.ContactId, c => c.WithLeg(dialog.Id, l => l with { Outcome = TaskOutcome.Expired, EndedAt = now }) with
                    {
                        Status = ContactStatus.Discarded,
                        StatusReason = ContactReasons.MaxDialogLifetimeExceeded,
                    });
                    break;
                case Ending.Rona or Ending.Requeued:
                    if (ending == Ending.Rona)
                    {
                        tasks.Capacity.Rona(mrdId);
                    }

                    // The same CCE task goes back to the queue (renotify), so the contact shows it queued again.
                    tasks.Contacts.Update(dialog.ContactId, c => c.WithLeg(dialog.Id, l => l with { Ronas = l.Ronas + (ending == Ending.Rona ? 1 : 0) }) with
                    {
                        Status = ContactStatus.Queued,
                        StatusReason = ContactReasons.RenotifyRequested,
                        AgentId = null,
                    });
                    tasks.PostRequeue(new QueuedTask(dialog.Id, dialog.ContactId, mrdId, dialog.QueueName, dialog.CallVariables, now, dialog.WorkHint));
                    break;
                case Ending.Transferred:
                    // A transfer resubmits the work as a new CCE task (new id) on the same contact, variables kept.
                    var target = transferTo!;
                    var (newId, _) = tasks.Ids.Next();
                    tasks.Capacity.Transferred(mrdId);
                    tasks.Capacity.Submitted(target.MrdId);
                    tasks.Contacts.Update(dialog.ContactId, c =>
                    {
                        var ended = c.WithLeg(dialog.Id, l => l with { Outcome = TaskOutcome.Transferred, EndedAt = now });
                        return ended with
                        {
                            Status = ContactStatus.Queued,
                            StatusReason = ContactReasons.RenotifyRequested,
                            TaskId = newId,
                            AgentId = null,
                            MrdId = target.MrdId,
                            Legs = ended.Legs.Add(new TaskLeg(newId, target.MrdId, TaskOutcome.Live, now)),
                        };
                    });
                    tasks.PostRequeue(new QueuedTask(newId, dialog.ContactId, target.MrdId, target.Name, dialog.CallVariables, now, dialog.WorkHint));
                    break;
            }
        });
    }

    private void RunEffects()
    {
        foreach (var effect in _effects)
        {
            effect();
        }

        _effects.Clear();
    }

    private async ValueTask SaveTasksAsync()
    {
        if (_tasksState is null || ReferenceEquals(_tasksState.State, _tasksSaved))
        {
            return;
        }

        try
        {
            await _tasksState.WriteStateAsync().ConfigureAwait(false);
            _tasksSaved = _tasksState.State;
        }
        catch
        {
            _tasksState.State = _tasksSaved;
            _effects.Clear();
            throw;
        }
    }

    /// <summary>End of every turn that may have changed things: agent time, interrupts of the user's other MRDs, the queue's view.</summary>
    private void AfterTurn(MediaRoutingDomain mrd, bool postView = true)
    {
        var tasks = services.Tasks;
        if (tasks is null)
        {
            return;
        }

        RunEffects();
        var state = _state.State;
        var now = services.Time.GetTimestamp();
        var elapsed = services.Time.GetElapsedTime(_accountedAt, now);
        if (elapsed > TimeSpan.Zero && _accountedSignedIn)
        {
            tasks.Capacity.AgentTime(mrd.Id, elapsed, _accountedBusy ? elapsed : TimeSpan.Zero);
        }

        _accountedAt = now;
        _accountedSignedIn = state.IsSignedIn;
        _accountedBusy = !Tasks.Dialogs.IsEmpty;

        // Work in a non-interruptible MRD interrupts the user's interruptible MRDs until it ends.
        var interrupting = !mrd.Interruptible && !Tasks.Dialogs.IsEmpty;
        if (interrupting != _interrupting)
        {
            _interrupting = interrupting;
            var user = services.Directory.FindUser(key.UserId);
            foreach (var other in user?.MrdIds ?? [])
            {
                if (other != mrd.Id && services.Directory.FindMrd(other) is { Interruptible: true })
                {
                    tasks.PostInterrupt(key.UserId, other, mrd.Id, interrupting);
                }
            }
        }

        if (postView)
        {
            var view = CurrentView(state, mrd, force: false);
            if (view.Version != _postedVersion)
            {
                tasks.PostAgentView(mrd.Id, Posted(view));
            }
        }
    }

    /// <summary>The agent as the queue should see it; a new version only when something the queue uses changed.</summary>
    private AgentView CurrentView(MediaState state, MediaRoutingDomain mrd, bool force)
    {
        var count = Tasks.Dialogs.Count;
        var eligible = IsEligible(state, count);
        if (eligible && !_lastView.Eligible)
        {
            _availableSince = services.Time.GetTimestamp();
        }

        var slots = state.IsSignedIn ? Math.Max(1, state.MaxDialogLimit) : 0;
        var view = new AgentView(key.UserId, eligible, Math.Max(0, state.MaxDialogLimit - count), slots, _availableSince, _viewVersion);
        if (_lastView.UserId is null || view with { Version = 0 } != _lastView with { Version = 0 } || force)
        {
            view = view with { Version = ++_viewVersion };
            _lastView = view;
        }

        return _lastView;
    }

    private AgentView Posted(AgentView view)
    {
        _postedVersion = view.Version;
        return view;
    }

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

    private static void StopTimer(Dictionary<string, IDisposable> timers, string dialogId)
    {
        if (timers.Remove(dialogId, out var timer))
        {
            timer.Dispose();
        }
    }

    private MediaRoutingDomain Mrd() => services.Directory.FindMrd(key.MrdId) ?? throw new InvalidOperationException($"Unknown MRD {key.MrdId}");

    /// <summary>Offer (POST) or removal (DELETE) on the MRD's dialog collection (reference §8.5).</summary>
    private void PublishDialogCollection(UpdateEvent e, TaskDialog dialog, string? requestId) =>
        services.Hub.Publish(
            new NodeKey(key.UserId, NodeKind.DialogsMedia),
            requestId,
            (Dialog: dialog, Event: e, RequestId: requestId),
            static a => UpdateXml.Write(a.Event, DialogXml.CollectionUri(a.Dialog.UserId, a.Dialog.MrdId), a.RequestId, x =>
            {
                x.Open("dialogs");
                DialogXml.Write(x, a.Dialog);
                x.Close("dialogs");
            }));

    /// <summary>Any other change: PUT with the Dialog as source.</summary>
    private void PublishDialog(TaskDialog dialog, string? requestId) =>
        services.Hub.Publish(
            new NodeKey(key.UserId, NodeKind.DialogsMedia),
            requestId,
            (Dialog: dialog, RequestId: requestId),
            static a => UpdateXml.Write(UpdateEvent.Put, DialogXml.Uri(a.Dialog.Id), a.RequestId, x => DialogXml.Write(x, a.Dialog)));

    private void PublishDialogError(string? requestId, string dialogId, ApiError error) =>
        services.Hub.Publish(
            new NodeKey(key.UserId, NodeKind.DialogsMedia),
            requestId,
            (DialogId: dialogId, Error: error, RequestId: requestId),
            static a => UpdateXml.Write(UpdateEvent.Put, DialogXml.Uri(a.DialogId), a.RequestId, x => ApiErrorsXml.WriteAsync(x, a.Error)));
}
