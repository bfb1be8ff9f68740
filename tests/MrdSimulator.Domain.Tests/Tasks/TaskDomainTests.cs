using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.Domain.Tests.Tasks;

public sealed class TaskDomainTests
{
    [Fact]
    public void TaskXmlIsParsedOrderInsensitivelyWithTagsVariablesCommentsAndUnknownElements()
    {
        var xml = "<Task><variables><!-- c --><variable><name>cv_1</name><value>1</value></variable><variable><name>user_user.a</name><value/></variable></variables>"
            + "<tags><tag>vip</tag></tags><customerUID>u</customerUID><scriptSelector> Chat_SS </scriptSelector><title>T</title><name>N</name><requeueOnRecovery>true</requeueOnRecovery></Task>";
        var (task, error) = TaskSubmissionParser.ParseXml(Encoding.UTF8.GetBytes(xml));

        Assert.Null(error);
        Assert.Equal(("N", "T", "Chat_SS", true), (task!.Name, task.Title, task.ScriptSelector, task.RequeueOnRecovery));
        Assert.Equal(["vip"], task.Tags.ToArray());
        Assert.Equal([new TaskVariable("cv_1", "1"), new TaskVariable("user_user.a", "")], task.Variables.ToArray());
    }

    [Theory]
    [InlineData("<Task><title>T</title><scriptSelector>S</scriptSelector></Task>", "name")]
    [InlineData("<Task><name>N\nM</name><title>T</title><scriptSelector>S</scriptSelector></Task>", "name")]
    [InlineData("<Task><name>N</name><scriptSelector>S</scriptSelector></Task>", "title")]
    [InlineData("<Task><name>N</name><title>T</title></Task>", "scriptSelector")]
    [InlineData("<Task><name>N</name><title>T</title><scriptSelector>123456789012345678901234567890123</scriptSelector></Task>", "scriptSelector")]
    [InlineData("<Task><name>N</name><title>T</title><scriptSelector>S</scriptSelector><variables><variable><value>x</value></variable></variables></Task>", "variable")]
    [InlineData("<Task><name>N</name><title>T</title><scriptSelector>S</scriptSelector><tags><oops/></tags></Task>", "tags")]
    [InlineData("<!DOCTYPE x [<!ENTITY e 'x'>]><Task/>", "Task")]
    [InlineData("<Order/>", "Task")]
    public void InvalidTaskRequestsNameTheFieldAtFault(string xml, string field)
    {
        var (task, error) = TaskSubmissionParser.ParseXml(Encoding.UTF8.GetBytes(xml));
        Assert.Null(task);
        Assert.Equal((400, field), (error!.Status, error.ErrorData));
    }

    [Fact]
    public void ThirtyTwoCharacterSelectorsAndTwentyTagsAreTheLimits()
    {
        var ok = TaskSubmissionParser.ParseQuery([new("name", "N"), new("title", "T"), new("scriptSelector", new string('s', 32)), new("tags", string.Join(',', Enumerable.Range(0, 20)))]);
        Assert.Null(ok.Error);
        var tooMany = TaskSubmissionParser.ParseQuery([new("name", "N"), new("title", "T"), new("scriptSelector", "S"), new("tags", string.Join(',', Enumerable.Range(0, 21)))]);
        Assert.Equal("tags", tooMany.Error!.ErrorData);
    }

    // Code points, not strings: a test framework passes a lone surrogate in a string on as U+FFFD.
    [Theory]
    [InlineData("name", 0x01)]
    [InlineData("title", 0xFFFE)]
    [InlineData("description", 0xD800)]
    [InlineData("scriptSelector", 0x1F)]
    [InlineData("tags", 0x00)]
    [InlineData("variable_cv_1", 0xDC00)]
    [InlineData("variable_x", 0x02)]
    public void QueryValuesXmlCannotCarryAreRefusedNamingTheFieldAndTheCharacter(string key, int bad)
    {
        var value = $"v{(char)bad}v";
        var fields = new Dictionary<string, string?> { ["name"] = "N", ["title"] = "T", ["scriptSelector"] = "S", [key] = value };

        var (task, error) = TaskSubmissionParser.ParseQuery(fields);

        Assert.Null(task);
        Assert.Equal((400, "invalidInput"), (error!.Status, error.ErrorType));
        Assert.Equal(key.StartsWith("variable_", StringComparison.Ordinal) ? "variables" : key, error.ErrorData);
        Assert.Matches("holds U\\+[0-9A-F]{4}, a character XML 1.0 cannot carry", error.ErrorMessage);
        Assert.Equal(-1, MrdSimulator.Domain.Xml.XmlChars.IndexOfInvalid(error.ErrorMessage));
    }

    [Fact]
    public void ATaskBodyXmlCannotCarryIsRefusedByTheParserWithAMessageThatDoesNotQuoteTheCharacterRaw()
    {
        var (task, error) = TaskSubmissionParser.ParseXml(Encoding.UTF8.GetBytes("<Task><name>N&#1;</name><title>T</title><scriptSelector>S</scriptSelector></Task>"));

        Assert.Null(task);
        Assert.Equal("Task", error!.ErrorData);
        Assert.Contains("not well-formed", MrdSimulator.Domain.Xml.TaskXml.Errors(error), StringComparison.Ordinal);
        Assert.Equal(-1, MrdSimulator.Domain.Xml.XmlChars.IndexOfInvalid(MrdSimulator.Domain.Xml.TaskXml.Errors(error)));
    }

    [Fact]
    public void CvAndUserVariablesBecomeCallAndEccVariablesAndOthersStayInCcp()
    {
        var mapped = TaskVariables.ToCallVariables([new("CV_10", "ten"), new("cv_1", "one"), new("cv_0", "x"), new("cv_11", "x"), new("User_user.test.task", "t"), new("mediaType", "chat"), new("podRefURL", "u")]);
        Assert.Equal([new TaskVariable("callVariable1", "one"), new TaskVariable("callVariable10", "ten"), new TaskVariable("user.test.task", "t")], mapped.ToArray());
    }

    [Fact]
    public void AllowedActionsFollowTheReferenceTable()
    {
        Assert.Equal([DialogAction.Accept], DialogRules.Allowed(DialogState.Offered).ToArray());
        Assert.Equal([DialogAction.Start, DialogAction.Transfer, DialogAction.Close], DialogRules.Allowed(DialogState.Accepted).ToArray());
        Assert.Equal([DialogAction.Pause, DialogAction.WrapUp, DialogAction.Transfer, DialogAction.Close], DialogRules.Allowed(DialogState.Active).ToArray());
        Assert.Equal([DialogAction.Resume, DialogAction.Transfer, DialogAction.Close], DialogRules.Allowed(DialogState.Paused).ToArray());
        Assert.Equal([DialogAction.Close], DialogRules.Allowed(DialogState.WrappingUp).ToArray());
        Assert.Equal([DialogAction.Close], DialogRules.Allowed(DialogState.Unknown).ToArray());
        Assert.Empty(DialogRules.Allowed(DialogState.Interrupted));
        Assert.Empty(DialogRules.Allowed(DialogState.Closed));
        Assert.True(DialogRules.TryParse("WRAP_UP", out var wrap) && wrap == DialogAction.WrapUp);
        Assert.False(DialogRules.TryParse("wrap_up", out _));
    }

    [Fact]
    public void DirectoryLoaderReadsScriptSelectorsAndFeedsAndReportsFileLineField()
    {
        const string yaml = """
            mrds:
              - {id: 5000, name: Chat, serviceLevelThreshold: 20}
            users:
              - {id: "1000", password: p, mrds: [5000]}
            scriptSelectors:
              - {name: Chat_SS, mrd: 5000, description: Chat}
            feeds:
              - {id: 100, name: Feed}
            """;
        var directory = DirectoryLoader.Parse(yaml, "d.yaml");
        Assert.Equal(5000, directory.FindScriptSelector("Chat_SS")!.MrdId);
        Assert.NotNull(directory.FindFeed(100));
        Assert.Equal(20, directory.FindMrd(5000)!.ServiceLevelThresholdSeconds);

        var bad = Assert.Throws<DirectoryException>(() => DirectoryLoader.Parse(yaml.Replace("mrd: 5000,", "mrd: 7,", StringComparison.Ordinal), "d.yaml"));
        Assert.Contains("d.yaml:6:", bad.Message, StringComparison.Ordinal);
        Assert.Contains("scriptSelectors[0].mrd", bad.Message, StringComparison.Ordinal);
        var tooLong = Assert.Throws<DirectoryException>(() => DirectoryLoader.Parse(yaml.Replace("Chat_SS", new string('x', 33), StringComparison.Ordinal), "d.yaml"));
        Assert.Contains("scriptSelectors[0].name", tooLong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DemoDirectoryHasTheDocumentedSelectorsAndFeed()
    {
        var demo = DemoDirectory.Create(10, 0);
        Assert.Equal([("Chat_SS", 5000), ("Email_SS", 5001), ("Task_SS", 5002)], demo.ScriptSelectors.Select(s => (s.Name, s.MrdId)).ToArray());
        Assert.Equal(100, Assert.Single(demo.Feeds).Id);
    }
}
