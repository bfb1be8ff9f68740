using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;

namespace MrdSimulator.Domain.Tests.Media;

/// <summary>Finesse's synchronous validation of Media PUT bodies (reference §1, §4, §14.1).</summary>
public sealed class MediaRequestParserTests
{
    private static readonly SimulatorDirectory Directory = DemoDirectory.Create(agents: 10);

    private static (MediaRequest? Request, ApiError? Error) Parse(string body) => MediaRequestParser.Parse(Encoding.UTF8.GetBytes(body), 5001);

    private static ApiError? ParseAndValidate(string body, string userId = "1000")
    {
        var (request, error) = Parse(body);
        return error ?? MediaRequestParser.Validate(request!, Directory.FindUser(userId)!, 5001, Directory);
    }

    [Fact]
    public void CiscosOwnReasonCodeExampleWithItsMisspeltClosingTagIsABadRequest()
    {
        // Verbatim from the 12.5 guide (seeds/001): <reasonCodeId>1001</reaasonCodeId>.
        var error = ParseAndValidate("<Media>\n   <state>NOT_READY</state>\n   <reasonCodeId>1001</reaasonCodeId>\n</Media>");

        Assert.Equal(400, error!.Status);
        Assert.Equal("Bad Request", error.ErrorType);
        Assert.Equal("5001", error.ErrorMedia);
    }

    [Fact]
    public void SignInBodyFromTheGuideParses()
    {
        var (request, error) = Parse("<Media><maxDialogLimit>10</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>CLOSE</dialogLogoutAction></Media>");

        Assert.Null(error);
        Assert.Equal(MediaRequest.Login(10, InterruptAction.Accept, DialogLogoutAction.Close), request);
    }

    [Theory]
    [InlineData("", "Bad Request")]
    [InlineData("<Media>", "Bad Request")]
    [InlineData("not xml", "Bad Request")]
    [InlineData("<Dialog><state>READY</state></Dialog>", "Bad Request")]
    [InlineData("<Media><state>READY</state></Media><Media/>", "Bad Request")]
    [InlineData("<!DOCTYPE Media [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><Media><state>&x;</state></Media>", "Bad Request")]
    [InlineData("<Media><state>ready</state></Media>", "Invalid Input")]
    [InlineData("<Media><state>RESERVED</state></Media>", "Invalid Input")]
    [InlineData("<Media><state>READY</state><colour>blue</colour></Media>", "Invalid Input")]
    [InlineData("<Media><state>READY</state><state>READY</state></Media>", "Invalid Input")]
    [InlineData("<Media><state><value>READY</value></state></Media>", "Invalid Input")]
    [InlineData("<Media><state>LOGIN</state><maxDialogLimit>0</maxDialogLimit><interruptAction>ACCEPT</interruptAction></Media>", "Invalid Input")]
    [InlineData("<Media><state>LOGIN</state><maxDialogLimit>11</maxDialogLimit><interruptAction>ACCEPT</interruptAction></Media>", "Invalid Input")]
    [InlineData("<Media><state>LOGIN</state><maxDialogLimit>-3</maxDialogLimit><interruptAction>ACCEPT</interruptAction></Media>", "Invalid Input")]
    [InlineData("<Media><state>LOGIN</state><maxDialogLimit>99999999999999999999</maxDialogLimit><interruptAction>ACCEPT</interruptAction></Media>", "Invalid Input")]
    [InlineData("<Media><state>LOGIN</state><maxDialogLimit>3</maxDialogLimit><interruptAction>accept</interruptAction></Media>", "Invalid Input")]
    [InlineData("<Media><state>LOGIN</state><maxDialogLimit>3</maxDialogLimit><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>KEEP</dialogLogoutAction></Media>", "Invalid Input")]
    [InlineData("<Media><state>NOT_READY</state><reasonCodeId>abc</reasonCodeId></Media>", "Invalid Input")]
    [InlineData("<Media><routable>yes</routable></Media>", "Invalid Input")]
    [InlineData("<Media><routable>True</routable></Media>", "Invalid Input")]
    public void MalformedOrInvalidBodiesAreRefusedWithTheFinesseErrorType(string body, string errorType)
    {
        var error = ParseAndValidate(body);

        Assert.NotNull(error);
        Assert.Equal(400, error.Status);
        Assert.Equal(errorType, error.ErrorType);
    }

    [Theory]
    [InlineData("<Media/>", "state")]
    [InlineData("<Media><state></state></Media>", "state")]
    [InlineData("<Media><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>", "maxDialogLimit")]
    [InlineData("<Media><state>LOGIN</state><maxDialogLimit>3</maxDialogLimit></Media>", "interruptAction")]
    [InlineData("<Media><state>NOT_READY</state></Media>", "reasonCodeId")]
    [InlineData("<Media><state>LOGOUT</state></Media>", "reasonCodeId")]
    public void MissingRequiredParametersAreParameterMissing(string body, string field)
    {
        var error = ParseAndValidate(body);

        Assert.Equal("Parameter Missing", error!.ErrorType);
        Assert.Equal(field, error.ErrorData);
    }

    [Theory]
    [InlineData("<Media><state>NOT_READY</state><reasonCodeId>2001</reasonCodeId></Media>")]
    [InlineData("<Media><state>LOGOUT</state><reasonCodeId>1001</reasonCodeId></Media>")]
    [InlineData("<Media><state>NOT_READY</state><reasonCodeId>4242</reasonCodeId></Media>")]
    [InlineData("<Media><state>READY</state><reasonCodeId>1001</reasonCodeId></Media>")]
    [InlineData("<Media><state>READY</state><maxDialogLimit>3</maxDialogLimit></Media>")]
    [InlineData("<Media><state>READY</state><routable>true</routable></Media>")]
    public void ReasonCodesAndOptionsThatDoNotFitTheStateAreInvalidInput(string body) =>
        Assert.Equal("Invalid Input", ParseAndValidate(body)!.ErrorType);

    [Fact]
    public void ReasonCodeOfAnotherTeamIsInvalidInput()
    {
        // 1003 is assigned to team 1 only; agent 1000 is on team 1, agent 1001 on team 2.
        const string body = "<Media><state>NOT_READY</state><reasonCodeId>1003</reasonCodeId></Media>";

        Assert.Null(ParseAndValidate(body, "1000"));
        Assert.Equal("Invalid Input", ParseAndValidate(body, "1001")!.ErrorType);
    }

    [Theory]
    [InlineData("<Media><state>READY</state></Media>")]
    [InlineData("<Media>\n  <state> NOT_READY </state>\n  <reasonCodeId>1001</reasonCodeId>\n</Media>")]
    [InlineData("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>")]
    [InlineData("<Media><routable>false</routable></Media>")]
    [InlineData("<Media><!-- a comment --><state>READY</state></Media>")]
    public void WellFormedRequestsPass(string body) => Assert.Null(ParseAndValidate(body));

    [Fact]
    public void NotReadyWithoutReasonCodeIsAcceptedWhenNoCodesAreConfigured()
    {
        var bare = new SimulatorDirectory(Directory.Users, Directory.Mrds, []);
        var (request, _) = Parse("<Media><state>NOT_READY</state></Media>");

        Assert.Null(MediaRequestParser.Validate(request!, bare.FindUser("1000")!, 5001, bare));
    }
}
