using System.Net.Http.Headers;
using System.Text;

namespace MrdSimulator.Gateway.Tests.Tasks;

/// <summary>The real gateway (Program) in memory, with helpers for Finesse users and CCP task calls.</summary>
internal sealed class TaskHttp : IDisposable
{
    public const string AdminToken = "test-admin-token";

    private readonly SimulatorHost _factory;

    /// <param name="settings">Settings added to (or replacing) the test defaults, such as <c>Tasks:MaxTasksInQueue</c>.</param>
    public TaskHttp(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Simulator:Agents"] = "20", ["Tasks:AdminToken"] = AdminToken };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        _factory = new SimulatorHost { Settings = all };
        Anonymous = _factory.CreateClient();
    }

    public HttpClient Anonymous { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>The in-memory server, for requests a client cannot send (e.g. without a Host).</summary>
    public Microsoft.AspNetCore.TestHost.TestServer Server => _factory.Server;

    public HttpClient As(string user) => _factory.ClientFor(user);

    /// <summary>A client with CCP's administrator credentials for the <c>/ccp-webapp</c> APIs (admin : the admin token).</summary>
    public HttpClient CcpAdmin() => _factory.ClientFor("admin", AdminToken);

    public static StringContent Xml(string xml) => new(xml, Encoding.UTF8, "application/xml");

    public static string TaskXml(string scriptSelector = "Chat_SS", string name = "Jane", string title = "Order 4711", string extra = "") =>
        $"<Task><name>{name}</name><title>{title}</title><scriptSelector>{scriptSelector}</scriptSelector>{extra}</Task>";

    public async Task SignInReadyAsync(string user, int mrd, int limit = 1, string logout = "CLOSE")
    {
        var client = As(user);
        var login = await client.PutAsync($"/finesse/api/User/{user}/Media/{mrd}", Xml($"<Media><maxDialogLimit>{limit}</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>{logout}</dialogLogoutAction></Media>"));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, login.StatusCode);
        var ready = await client.PutAsync($"/finesse/api/User/{user}/Media/{mrd}", Xml("<Media><state>READY</state></Media>"));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, ready.StatusCode);
    }

    /// <summary>Posts a task and returns the contact URL path.</summary>
    public async Task<string> SubmitAsync(string scriptSelector = "Chat_SS", string extra = "")
    {
        var response = await Anonymous.PostAsync("/ccp/task/feed/100", Xml(TaskXml(scriptSelector, extra: extra)));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!.AbsolutePath;
    }

    /// <summary>Polls until the contact shows <paramref name="status"/>; returns the body.</summary>
    public async Task<string> WaitForStatusAsync(string contactPath, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        string body;
        do
        {
            body = await Anonymous.GetStringAsync(contactPath);
            if (body.Contains($"<status>{status}</status>", StringComparison.Ordinal))
            {
                return body;
            }

            await Task.Delay(10);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{contactPath} never reached {status}: {body}");
        return body;
    }

    /// <summary>The contact id a contact URL ends with.</summary>
    public static string IdOf(string contactPath) => contactPath[(contactPath.LastIndexOf('/') + 1)..];

    public static string Between(string text, string open, string close)
    {
        var start = text.IndexOf(open, StringComparison.Ordinal) + open.Length;
        return text[start..text.IndexOf(close, start, StringComparison.Ordinal)];
    }

    public void Dispose() => _factory.Dispose();
}
