using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Security;

public sealed class AuthenticationTests : IDisposable
{
    private const string Media = "/finesse/api/User/1234/Media/5001";
    private readonly SimulatorFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer abc")]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic MTIzNA==")]
    [InlineData("Basic OnNlY3JldA==")]
    [InlineData("Basic MTIzNDp3cm9uZw==")]
    [InlineData("Basic OTk5OTpzZWNyZXQ=")]
    public async Task MissingGarbledOrWrongCredentialsAre401AuthorizationFailure(string? authorization)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Media);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("<ErrorType>Authorization Failure</ErrorType>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("/finesse/api/SystemInfo")]
    [InlineData("/finesse/api/User/1234")]
    [InlineData("/finesse/api/User/1234/Media")]
    [InlineData("/finesse/api/ReasonCodes?category=NOT_READY")]
    [InlineData("/notifications")]
    public async Task EveryEndpointAuthenticates(string url)
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task FiveBadPasswordsLockTheUserForFiveMinutes()
    {
        using var wrong = _factory.ClientFor("1234", "wrong");
        using var right = _factory.ClientFor("1234");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(Media)).StatusCode);
        }

        using var locked = await right.GetAsync(Media);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Contains("locked", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        _factory.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.Unauthorized, (await right.GetAsync(Media)).StatusCode);
        _factory.Time.Advance(TimeSpan.FromMinutes(1.1));
        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync(Media)).StatusCode);
    }

    [Fact]
    public async Task ASuccessfulSignInResetsTheBadPasswordCount()
    {
        using var wrong = _factory.ClientFor("1234", "wrong");
        using var right = _factory.ClientFor("1234");
        for (var i = 0; i < 4; i++)
        {
            await wrong.GetAsync(Media);
        }

        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync(Media)).StatusCode);
        for (var i = 0; i < 4; i++)
        {
            await wrong.GetAsync(Media);
        }

        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync(Media)).StatusCode);
    }

    [Fact]
    public async Task LockingOneUserDoesNotLockAnother()
    {
        using var wrong = _factory.ClientFor("1234", "wrong");
        for (var i = 0; i < 6; i++)
        {
            await wrong.GetAsync(Media);
        }

        using var other = _factory.ClientFor("1235");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/finesse/api/User/1235/Media/5001")).StatusCode);
    }

    [Fact]
    public async Task UserObjectIsOnlyReadableByItsOwner()
    {
        using var owner = _factory.ClientFor("1234");
        using var other = _factory.ClientFor("1235");

        var user = await owner.GetStringAsync("/finesse/api/User/1234");

        Assert.Contains("<loginId>1234</loginId>", user, StringComparison.Ordinal);
        Assert.Contains("<firstName>Ada</firstName>", user, StringComparison.Ordinal);
        Assert.Contains("<teamId>7</teamId>", user, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/finesse/api/User/1234")).StatusCode);
    }

    [Fact]
    public async Task NonAsciiPasswordsWork()
    {
        var directory = new Domain.Directory.SimulatorDirectory(
            [new Domain.Directory.User("42", "pässwörd", Domain.Directory.UserRole.Agent, "A", "B", null, null, [])], [], []);
        using var factory = new SimulatorFactory { Directory = directory };
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("42:pässwörd")));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/finesse/api/User/42")).StatusCode);
    }
}
