namespace MrdSimulator.Domain.Directory;

/// <summary>
/// A CCE dialed number of routing type CCP (a "script selector"): the string a task names in
/// <c>scriptSelector</c>, and the MRD whose queue its routing script feeds.
/// </summary>
/// <param name="Name">The dialed-number string (at most 32 characters, as CCP accepts).</param>
public sealed record ScriptSelector(string Name, int MrdId, string? Description = null);

/// <summary>A CCP task feed (feed type 12); tasks are posted to <c>/ccp/task/feed/{Id}</c>.</summary>
/// <param name="Description">Shown by CCP's feed list (<c>GET /ccp-webapp/ccp/feed</c>).</param>
/// <param name="Tags">The tags CCP's feed list shows for it (CCP's Universal Queue feed carries <c>cisco_uq_tag</c>).</param>
public sealed record TaskFeed(int Id, string Name, string? Description = null, IReadOnlyList<string>? Tags = null);
