using System.Globalization;
using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Xml;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse.Tasks;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse.Scenarios;

/// <summary>
/// task-feed: every iteration submits one task to CCP (<c>POST /ccp/task/feed/{feed}</c>, unauthenticated as CCP's Task
/// API), spread round-robin over the scenario's MRDs through their script selectors. Meant for an open load
/// (<c>inject R/s D</c>): tasks arrive at a rate whatever the agents do. Each task carries its ledger key as an ECC
/// variable, so offers, RONAs and transfers can be followed back to it; <c>offered</c> times a task from its
/// (intended) submission to its first offer.
/// </summary>
public sealed class TaskFeedScenario(string name, FinesseTarget target, FinesseScenarioOptions options, TaskScenarioOptions tasks) : IScenario
{
    private static readonly MediaTypeHeaderValue Xml = new("application/xml");
    private string[] _selectors = [];
    private int[] _mrds = [];
    private long _next;
    private TaskLedger _ledger = null!;
    private StepRecorder _submit = null!;
    private StepRecorder _offered = null!;

    public string Name { get; } = name;

    internal FinesseTarget Target { get; } = target;

    internal TaskScenarioOptions Tasks { get; } = tasks;

    public int? MaxVirtualUsers => null;

    /// <summary>Script selector per MRD, resolved at init.</summary>
    public IReadOnlyList<string> ScriptSelectors => _selectors;

    public async Task InitAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        await Target.EnsureReachableAsync().WaitAsync(cancellationToken);
        _ledger = Target.EnableTasks();
        _mrds = options.Mrds.ToArray();
        _selectors = Tasks.ScriptSelector is { } fixedSelector
            ? _mrds.Select(_ => fixedSelector).ToArray()
            : await DiscoverSelectorsAsync(cancellationToken);
        _submit = context.Step("submit");
        _offered = context.Step("offered");
    }

    /// <summary>The first script selector routing to each MRD, from Finesse's Get Script Selectors (12.6(2)).</summary>
    private async Task<string[]> DiscoverSelectorsAsync(CancellationToken cancellationToken)
    {
        var agent = options.Agents[0];
        using var request = new HttpRequestMessage(HttpMethod.Get, Target.Http.Resolve("/finesse/api/ScriptSelectors"));
        request.Headers.Authorization = AgentMedia.Basic(agent, Target.PasswordOf(agent));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Target.Http.RequestTimeout);
        using var response = await Target.Http.Invoker.SendAsync(request, cts.Token);
        var body = await response.Content.ReadAsStringAsync(cts.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"GET /finesse/api/ScriptSelectors as {agent} answered HTTP {(int)response.StatusCode}; set the scenario's scriptSelector");
        }

        var byMrd = ParseSelectors(body);
        return _mrds.Select(m => byMrd.TryGetValue(m, out var s)
            ? s
            : throw new InvalidOperationException($"no script selector routes to MRD {m} (GET /finesse/api/ScriptSelectors); set the scenario's scriptSelector or mrds")).ToArray();
    }

    /// <summary><c>&lt;ScriptSelectors&gt;&lt;ScriptSelector&gt;&lt;MrdID/&gt;…&lt;DialedNumber/&gt;</c> → MRD → first dialed number.</summary>
    internal static Dictionary<int, string> ParseSelectors(string xml)
    {
        var result = new Dictionary<int, string>();
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true });
        int? mrd = null;
        string? number = null;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "ScriptSelector")
            {
                (mrd, number) = (null, null);
            }
            else if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "MrdID")
            {
                mrd = int.TryParse(reader.ReadElementContentAsString(), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : null;
            }
            else if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "DialedNumber")
            {
                number = reader.ReadElementContentAsString();
            }

            if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "ScriptSelector" && mrd is { } id && !string.IsNullOrEmpty(number))
            {
                result.TryAdd(id, number);
            }
        }

        return result;
    }

    public IVirtualUser CreateVirtualUser(int index) => new Feeder(this);

    public Task CleanAsync(CancellationToken cancellationToken) => _ledger?.CancelQueuedAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>The CCP request (ccp §2): name, title, scriptSelector, and the ledger key as the ECC variable user.mrdload.task.</summary>
    internal static byte[] TaskBody(string scriptSelector, string key)
    {
        var selector = SecurityElement.Escape(scriptSelector);
        var k = SecurityElement.Escape(key);
        return Encoding.UTF8.GetBytes(
            $"<Task><name>mrdload</name><title>{k}</title><scriptSelector>{selector}</scriptSelector>" +
            $"<variables><variable><name>user_{DialogInfo.TrackingVariable}</name><value>{k}</value></variable></variables></Task>");
    }

    private sealed class Feeder(TaskFeedScenario s) : IVirtualUser
    {
        public async ValueTask RunIterationAsync(IterationContext ctx)
        {
            var i = (int)(Interlocked.Increment(ref s._next) - 1) % s._mrds.Length;
            var key = s._ledger.NewKey();
            var start = ctx.NextStepStart();
            var token = s._ledger.Submitting(key, s._mrds[i], start, s._offered);
            var body = TaskBody(s._selectors[i], key);
            string? location = null;
            using var request = new HttpRequestMessage(HttpMethod.Post, s.Target.Http.Resolve("/ccp/task/feed/" + s.Tasks.Feed.ToString(CultureInfo.InvariantCulture)))
            {
                Content = new ByteArrayContent(body),
            };
            request.Content.Headers.ContentType = Xml;
            var status = await HttpStep.SendAsync(
                s.Target.Http, request, s._submit, start, 201, body.Length, ctx.CancellationToken, response => location = response.Headers.Location?.ToString());
            if (status == 201)
            {
                s._ledger.Submitted(token, ContactIdOf(location));
            }
            else
            {
                s._ledger.Refused(token);
            }
        }
    }

    /// <summary>The contact id is the last segment of the Location (<c>…/ccp/task/contact/{id}</c>).</summary>
    internal static string? ContactIdOf(string? location)
    {
        if (string.IsNullOrEmpty(location))
        {
            return null;
        }

        var path = Uri.TryCreate(location, UriKind.Absolute, out var uri) ? uri.AbsolutePath : location;
        var slash = path.LastIndexOf('/');
        var id = slash >= 0 ? path[(slash + 1)..] : path;
        return id.Length == 0 ? null : Uri.UnescapeDataString(id);
    }
}
