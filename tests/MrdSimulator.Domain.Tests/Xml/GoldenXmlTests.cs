using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Domain.Tests.Xml;

/// <summary>The serialisers produce the golden documents (tests/Golden) byte for byte.</summary>
public sealed class GoldenXmlTests
{
    private static readonly DateTime SampleTime = new(2015, 9, 11, 6, 55, 14, 782, DateTimeKind.Utc);
    private static readonly SimulatorDirectory Directory = DirectoryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "Golden", "golden-directory.yaml"));
    private static readonly MediaRoutingDomain Chat = Directory.FindMrd(5001)!;
    private static readonly MediaRoutingDomain Email = Directory.FindMrd(5002)!;

    private static readonly MediaState SignedIn = MediaStateMachine.Apply(
        MediaState.Initial,
        MediaRequest.Login(10, InterruptAction.Accept, DialogLogoutAction.Close),
        new MediaContext(Chat, true, SampleTime)).State;

    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));

    [Fact]
    public void MediaWithReasonCodeMatchesTheGuideSample()
    {
        var notReady = MediaStateMachine.Apply(SignedIn, MediaRequest.ChangeState(AgentState.NotReady, 1001), new MediaContext(Chat, true, SampleTime)).State;

        Assert.Equal(Golden("media-not-ready-with-reason-code.xml"), MediaXml.Media("1234", Chat, notReady, Directory, declaration: true));
    }

    [Fact]
    public void FreshSignInOmitsTheReasonCodeAndShowsMinusOne() =>
        Assert.Equal(Golden("media-signed-in.xml"), MediaXml.Media("1234", Chat, SignedIn, Directory, declaration: true));

    [Fact]
    public void MediaForAnMrdTheAgentIsNotInIsTheReducedObject() =>
        Assert.Equal(Golden("media-reduced.xml"), MediaXml.Media("1234", Email, null, Directory, declaration: true));

    [Fact]
    public void MediaBeforeTheFirstSignInHasEmptyOptions() =>
        Assert.Equal(Golden("media-never-signed-in.xml"), MediaXml.Media("1234", Chat, MediaState.Initial, Directory, declaration: true));

    [Fact]
    public void MediaListHoldsOneMediaPerNonVoiceMrd() =>
        Assert.Equal(Golden("medialist.xml"), MediaXml.MediaList("1234", [(Chat, SignedIn), (Email, null)], Directory));

    [Fact]
    public void HttpErrorBodyUsesCapitalisedNames() =>
        Assert.Equal(Golden("apierrors-already-logged-in.xml"), ApiErrorsXml.Http(ApiError.FromArm(ArmError.AgentAlreadyLoggedIn, 5001)));

    [Fact]
    public void AsynchronousErrorUpdateUsesLowerCamelNames() =>
        Assert.Equal(
            Golden("update-already-logged-in.xml"),
            UpdateXml.Write(UpdateEvent.Put, MediaXml.MediaUri("1234", 5001), "req-42", x => ApiErrorsXml.WriteAsync(x, ApiError.FromArm(ArmError.AgentAlreadyLoggedIn, 5001))));

    [Fact]
    public void MediaUpdateCarriesTheRequestIdAndSource() =>
        Assert.Equal(
            Golden("update-signed-in.xml"),
            UpdateXml.Write(UpdateEvent.Put, MediaXml.MediaUri("1234", 5001), "req-41", x => MediaXml.Write(x, "1234", Chat, SignedIn, Directory)));

    [Fact]
    public void ReasonCodeListMatchesTheGuideShape() =>
        Assert.Equal(Golden("reasoncodes-not-ready.xml"), ReasonCodeXml.List(ReasonCodeCategory.NotReady, Directory.ReasonCodes));

    [Fact]
    public void TextIsEscaped()
    {
        var mrd = Chat with { Description = "Chat <VIP> & co" };

        Assert.Contains("<description>Chat &lt;VIP&gt; &amp; co</description>", MediaXml.Media("1234", mrd, null, Directory), StringComparison.Ordinal);
    }

    [Fact]
    public void UnsolicitedUpdatesHaveAnEmptyRequestId() =>
        Assert.Contains("<requestId/>", UpdateXml.Write(UpdateEvent.Put, "/s", null, _ => { }), StringComparison.Ordinal);
}
