namespace MrdSimulator.Domain.Directory;

/// <summary>
/// A CCE dialed number of routing type CCP (a "script selector"): the string a task names in
/// <c>scriptSelector</c>, and the MRD whose queue its routing script feeds.
/// </summary>
/// <param name="Name">The dialed-number string (at most 32 characters, as CCP accepts).</param>
public sealed record ScriptSelector(string Name, int MrdId, string? Description = null);

/// <summary>A CCP task feed (feed type 12); tasks are posted to <c>/ccp/task/feed/{Id}</c>.</summary>
public sealed record TaskFeed(int Id, string Name);
