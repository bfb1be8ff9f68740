namespace MrdSimulator.Testing;

/// <summary>Requests as a Finesse client sends them, for every test project.</summary>
public static class HttpExtensions
{
    public const string SignIn = "<Media><maxDialogLimit>10</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>CLOSE</dialogLogoutAction></Media>";

    /// <summary>A PUT of an XML body, with Finesse's <c>requestId</c> header when one is given.</summary>
    public static Task<HttpResponseMessage> PutXmlAsync(this HttpClient client, string url, string body, string? requestId = null, string contentType = "application/xml", CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StringContent(body, System.Text.Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        if (requestId is not null)
        {
            request.Headers.Add("requestId", requestId);
        }

        return client.SendAsync(request, cancellationToken);
    }
}
