using System.Collections.Frozen;

namespace MrdSimulator.Domain.Directory;

/// <summary>
/// The simulated CCE configuration: users, MRDs and reason codes. Immutable once built, so every
/// request thread reads it without locks.
/// </summary>
public sealed class SimulatorDirectory
{
    private readonly FrozenDictionary<string, User> _users;
    private readonly FrozenDictionary<int, MediaRoutingDomain> _mrds;
    private readonly FrozenDictionary<int, ReasonCode> _reasonCodes;
    private readonly FrozenDictionary<string, ScriptSelector> _scriptSelectors;
    private readonly FrozenDictionary<int, TaskFeed> _feeds;

    public SimulatorDirectory(
        IEnumerable<User> users,
        IEnumerable<MediaRoutingDomain> mrds,
        IEnumerable<ReasonCode> reasonCodes,
        IEnumerable<ScriptSelector>? scriptSelectors = null,
        IEnumerable<TaskFeed>? feeds = null)
    {
        _users = users.ToFrozenDictionary(u => u.Id, StringComparer.Ordinal);
        Mrds = [.. mrds.OrderBy(m => m.Id)];
        _mrds = Mrds.ToFrozenDictionary(m => m.Id);
        ReasonCodes = [.. reasonCodes.OrderBy(r => r.Id)];
        _reasonCodes = ReasonCodes.ToFrozenDictionary(r => r.Id);
        NonVoiceMrds = [.. Mrds.Where(m => !m.IsVoice)];
        ScriptSelectors = [.. (scriptSelectors ?? []).OrderBy(s => s.Name, StringComparer.Ordinal)];
        _scriptSelectors = ScriptSelectors.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);
        Feeds = [.. (feeds ?? []).OrderBy(f => f.Id)];
        _feeds = Feeds.ToFrozenDictionary(f => f.Id);
    }

    /// <summary>Dialed numbers of routing type CCP, each feeding one non-voice MRD's queue.</summary>
    public IReadOnlyList<ScriptSelector> ScriptSelectors { get; }

    /// <summary>CCP task feeds that accept task requests.</summary>
    public IReadOnlyList<TaskFeed> Feeds { get; }

    /// <summary>Dialed numbers are matched exactly, as CCE matches a dialed-number string.</summary>
    public ScriptSelector? FindScriptSelector(string name) => _scriptSelectors.GetValueOrDefault(name);

    public TaskFeed? FindFeed(int id) => _feeds.GetValueOrDefault(id);

    /// <summary>The first script selector of an MRD (used to resubmit a task to the same MRD).</summary>
    public ScriptSelector? ScriptSelectorFor(int mrdId) => ScriptSelectors.FirstOrDefault(s => s.MrdId == mrdId);

    public IReadOnlyList<MediaRoutingDomain> Mrds { get; }

    /// <summary>The MRDs a MediaList shows: every non-voice MRD configured on CCE.</summary>
    public IReadOnlyList<MediaRoutingDomain> NonVoiceMrds { get; }

    public IReadOnlyList<ReasonCode> ReasonCodes { get; }

    public IEnumerable<User> Users => _users.Values;

    public int UserCount => _users.Count;

    public User? FindUser(string id) => _users.GetValueOrDefault(id);

    public MediaRoutingDomain? FindMrd(int id) => _mrds.GetValueOrDefault(id);

    public ReasonCode? FindReasonCode(int id) => _reasonCodes.GetValueOrDefault(id);

    /// <summary>Reason codes of a category the user may use (global or assigned to the user's team).</summary>
    public IEnumerable<ReasonCode> ReasonCodesFor(User user, ReasonCodeCategory category) =>
        ReasonCodes.Where(r => r.Category == category && r.IsAllowedFor(user));

    public bool HasReasonCodesFor(User user, ReasonCodeCategory category)
    {
        foreach (var code in ReasonCodes)
        {
            if (code.Category == category && code.IsAllowedFor(user))
            {
                return true;
            }
        }

        return false;
    }
}
