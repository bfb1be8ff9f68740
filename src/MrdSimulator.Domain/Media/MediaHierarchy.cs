namespace MrdSimulator.Domain.Media;

/// <summary>
/// The "state hierarchy" that turns an agent's dialogs in one MRD into the MRD's agent state
/// (12.5 guide p.179: LOGIN/LOGOUT, READY/NOT_READY, INTERRUPTED, ACTIVE, WORK_READY, PAUSED, RESERVED).
/// </summary>
public static class MediaHierarchy
{
    /// <param name="availability">The last READY or NOT_READY the agent chose; shown when no dialog is live.</param>
    /// <param name="interrupted">An interrupt is in force (interruptible MRD, signed in with ACCEPT).</param>
    public static AgentState Aggregate(AgentState availability, bool interrupted, ReadOnlySpan<DialogSummary> dialogs)
    {
        bool active = false, wrapping = false, paused = false, offered = false;
        foreach (var dialog in dialogs)
        {
            switch (dialog.State)
            {
                // ACCEPTED counts as ACTIVE: the ACTIVE row reads "has accepted at least one offered task".
                case DialogState.Accepted or DialogState.Active or DialogState.Interrupted or DialogState.Unknown:
                    active = true;
                    break;
                case DialogState.WrappingUp:
                    wrapping = true;
                    break;
                case DialogState.Paused:
                    paused = true;
                    break;
                case DialogState.Offered:
                    offered = true;
                    break;
            }
        }

        if (!(active || wrapping || paused || offered))
        {
            return availability;
        }

        if (interrupted)
        {
            return AgentState.Interrupted;
        }

        return active ? AgentState.Active
            : wrapping ? AgentState.WorkReady
            : paused ? AgentState.Paused
            : AgentState.Reserved;
    }
}
