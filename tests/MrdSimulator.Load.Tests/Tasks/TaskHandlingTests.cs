using System.Net.Http.Headers;
using System.Text;
using MrdSimulator.Load.Cli;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse.Scenarios;
using MrdSimulator.Load.Finesse.Tasks;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests.Tasks;

/// <summary>
/// task-handling agents and a task-feed against the real simulator, in process: every task submitted to CCP is
/// followed through offers, RONAs and transfers to its end, and the accounting catches a task the target loses.
/// </summary>
public sealed class TaskHandlingTests
{
    private static readonly string[] HandlingSteps =
    [
        "sign-in", "sign-in.notified", "ready", "ready.notified", "accept", "accept.notified", "start", "start.notified",
        "wrap-up", "wrap-up.notified", "close", "close.notified", "not-routable", "not-routable.notified", "sign-out", "sign-out.notified",
    ];

    private sealed record Outcome(RunResult Result, IReadOnlyList<TaskView> Tasks);

    private static async Task<Outcome> RunAsync(
        RealSimulator sim, ScenarioSpec agents, double taskRate, TimeSpan duration, int copies, params string[] thresholds)
    {
        var spec = new RunSpec
        {
            BaseUrl = sim.BaseUrl.ToString(),
            NotificationTimeout = TimeSpan.FromSeconds(3),
            Scenarios =
            [
                agents with { Load = [new KeepConstant(copies, duration)] },
                new ScenarioSpec { Name = "feed", Type = "task-feed", Mrds = [5002], Load = [new Inject(taskRate, TimeSpan.FromSeconds(1), duration)] },
            ],
            ReportFormats = [],
            DrainTimeout = TimeSpan.FromSeconds(8),
            MaxFailCount = 0,
            Thresholds = thresholds.Select(Thresholds.ThresholdParser.Parse).ToList(),
        };
        await using var built = RunBuilder.Build(spec);
        var result = await new LoadEngine(built.Options, null, built.Hooks).RunAsync(built.Groups);
        return new Outcome(result, built.Target!.Tasks!.Tasks);
    }

    private static ScenarioSpec Agents(string range, int tasksPerShift, double transferShare = 0, double pauseShare = 0.3, double ronaShare = 0) => new()
    {
        Name = "agents",
        Type = "task-handling",
        Agents = range,
        Mrds = [5002],
        Tasks = new TaskScenarioOptions
        {
            TasksPerShift = tasksPerShift,
            TransferShare = transferShare,
            PauseShare = pauseShare,
            RonaShare = ronaShare,
            HandleTime = TimeSpan.FromMilliseconds(100),
        },
    };

    private static void AssertEveryTaskAccountedFor(TaskSummary t)
    {
        Assert.True(t.Reconciled);
        Assert.Equal(0, t.Lost);
        Assert.Equal(0, t.Unresolved);
        Assert.Equal(0, t.Discarded);
        Assert.Equal(0, t.HandledElsewhere);
        Assert.Equal(0, t.Open);
        Assert.Equal(t.Submitted, t.Closed + t.ClosedAtSignOut + t.Queued + t.InProgress);
        Assert.Equal((0L, 0L, 0L, 0L), (t.DuplicateEvents, t.MissingOffers, t.MissingRemovals, t.OutOfOrder));
    }

    private static void AssertNoNotificationProblems(NotificationSummary n)
    {
        Assert.Equal((0L, 0L, 0L, 0L, 0L), (n.Lost, n.Duplicated, n.OutOfOrder, n.Contradicting, n.Unexpected));
        Assert.Equal(n.Expected, n.Received);
    }

    private static string Describe(RunResult r) =>
        string.Join("\n", r.Steps.Select(s => $"{s.Scenario}/{s.Step}: {s.Count} ({s.Fail} failed: {string.Join(",", s.StatusCodes.Select(c => $"{c.Code}x{c.Count}"))})"))
        + "\n" + r.Tasks + "\n" + r.Notifications + "\n" + string.Join("\n", r.Warnings);

    [Fact]
    public async Task EverySubmittedTaskIsOfferedAcceptedStartedWrappedUpAndClosedOrStillQueued()
    {
        await using var sim = RealSimulator.Start();
        var (r, tasks) = await RunAsync(sim, Agents("1000-1009", tasksPerShift: 3), taskRate: 12, TimeSpan.FromSeconds(3), copies: 10, "lost_tasks = 0");

        var t = r.Tasks!;
        Assert.True(t.Submitted >= 30, Describe(r));
        AssertEveryTaskAccountedFor(t);
        Assert.True(t.Closed > t.Submitted / 2, Describe(r)); // the last ones may arrive after the agents wound down
        Assert.Equal(t.Submitted, tasks.Count);
        Assert.All(tasks.Where(x => x.Final == TaskFinal.Closed), x => Assert.Equal(x.OfferedTo[^1], x.ClosedBy));
        AssertNoNotificationProblems(r.Notifications);
        Assert.Null(r.AbortReason);
        Assert.True(r.ThresholdsPassed);
        Assert.All(r.Steps, s => Assert.True(s.Fail == 0, Describe(r)));
        foreach (var name in HandlingSteps)
        {
            Assert.True(r.Steps.Single(s => s.Scenario == "agents" && s.Step == name).Count > 0, name);
        }

        Assert.True(r.Steps.Single(s => s.Step == "pause").Count > 0, "PAUSE/RESUME exercised");
        Assert.Equal(t.Submitted, r.Steps.Single(s => s.Step == "submit").Ok);
        Assert.Equal(t.Offered, r.Steps.Single(s => s.Step == "offered").Ok);
    }

    [Fact]
    public async Task SignOutWithTransferUnderLoadResubmitsHeldTasksAndTheyAreClosedAfterwards()
    {
        await using var sim = RealSimulator.Start();
        var (r, tasks) = await RunAsync(sim, Agents("1000-1011", tasksPerShift: 2, transferShare: 1, pauseShare: 0), taskRate: 15, TimeSpan.FromSeconds(4), copies: 12);

        var t = r.Tasks!;
        AssertEveryTaskAccountedFor(t);
        AssertNoNotificationProblems(r.Notifications);
        // How many distinct tasks get transferred depends on timing (one task may be handed on many times), not on correctness.
        Assert.True(t.Transferred > 0 && t.Transfers >= t.Transferred, Describe(r));
        var transferred = tasks.Where(x => x.TransferredBy.Count > 0).ToList();
        Assert.Equal(t.Transferred, transferred.Count);

        // A transferred task is re-offered (a new dialog) after every transfer and ends closed or queued, never lost.
        Assert.All(transferred, x =>
        {
            Assert.True(x.OfferedTo.Count >= x.TransferredBy.Count + (x.Final == TaskFinal.Closed ? 1 : 0), $"{x}");
            Assert.Contains(x.Final, new[] { TaskFinal.Closed, TaskFinal.Queued });
        });
        // Who closes it is timing: the queue offers it to whoever is free first, which may be the agent who signed out
        // and is back for its next shift (this assertion, when it named another agent, failed about one run in three).
        Assert.Contains(transferred, x => x.Final == TaskFinal.Closed && x.OfferedTo.Count > x.TransferredBy.Count && x.ClosedBy == x.OfferedTo[^1]);
        Assert.True(t.ClosedAfterTransfer > 0, Describe(r));
        var held = r.Steps.Single(s => s.Step == "sign-out.transferred");
        Assert.True(held.Count > 0 && held.Fail == 0, Describe(r));
        Assert.Equal(t.Transfers, held.Ok);
        Assert.All(r.Steps, s => Assert.True(s.Fail == 0, Describe(r)));
    }

    [Fact]
    public async Task RonaReofferedTasksAreNeitherLostNorDuplicated()
    {
        // Time scale 30: the MRD's 30 s taskStartTimeout rings out after 1 s.
        await using var sim = RealSimulator.Start(timeScale: 30);
        var (r, tasks) = await RunAsync(sim, Agents("1000-1009", tasksPerShift: 3, pauseShare: 0, ronaShare: 0.3), taskRate: 8, TimeSpan.FromSeconds(4), copies: 10);

        var t = r.Tasks!;
        AssertEveryTaskAccountedFor(t);
        AssertNoNotificationProblems(r.Notifications);
        Assert.True(t.Ronas > 0, Describe(r));
        Assert.Equal(t.Ronas, tasks.Sum(x => x.Ronas));
        Assert.Contains(tasks, x => x.Ronas > 0 && x.Final == TaskFinal.Closed && x.OfferedTo.Count > 1);
        var routable = r.Steps.Single(s => s.Step == "routable.notified");
        Assert.True(routable.Count > 0, "a RONA makes the agent not routable; it makes itself routable again");
        Assert.All(r.Steps, s => Assert.True(s.Fail == 0, Describe(r)));
    }

    [Fact]
    public async Task DuplicatedDialogNotificationsAreCountedAndNoTaskIsWorkedTwice()
    {
        await using var sim = RealSimulator.Start();
        using (var admin = new HttpClient { BaseAddress = sim.BaseUrl })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/faults")
            {
                Content = new StringContent("""{ "kind": "notification.duplicate", "copies": 2, "probability": 0.2, "seed": 7 }""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RealSimulator.AdminToken);
            using var response = await admin.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        }

        var (r, tasks) = await RunAsync(sim, Agents("1000-1009", tasksPerShift: 3), taskRate: 10, TimeSpan.FromSeconds(3), copies: 10);

        var t = r.Tasks!;
        Assert.True(t.DuplicateEvents > 0, Describe(r));
        Assert.True(r.Notifications.Duplicated >= t.DuplicateEvents, Describe(r));
        Assert.Equal((0L, 0L, 0L, 0L), (t.Lost, t.Unresolved, t.MissingOffers, t.Open));
        Assert.Equal(t.Submitted, t.Closed + t.Queued + t.InProgress);
        Assert.Equal(t.Offers, tasks.Sum(x => x.OfferedTo.Count));
        // A duplicated offer is not a second offer (a task submitted as the agents wound down may not be offered at all).
        Assert.All(tasks, x => Assert.InRange(x.OfferedTo.Count, x.Final == TaskFinal.Closed ? 1 : 0, 1));
        Assert.Equal(t.Closed, r.Steps.Single(s => s.Step == "close").Ok); // and no task was closed twice
        Assert.Equal(0, r.Notifications.Lost);
        Assert.All(r.Steps, s => Assert.True(s.Fail == 0, Describe(r)));
    }

    [Fact]
    public async Task ASwallowedTaskIsReportedLostAndFailsTheThreshold()
    {
        await using var sim = RealSimulator.Start(swallowEvery: 4);
        var spec = new RunSpec
        {
            TestName = "swallow",
            BaseUrl = sim.BaseUrl.ToString(),
            NotificationTimeout = TimeSpan.FromSeconds(3),
            Scenarios =
            [
                Agents("1000-1005", tasksPerShift: 2) with { Load = [new KeepConstant(6, TimeSpan.FromSeconds(2))] },
                new ScenarioSpec { Name = "feed", Type = "task-feed", Mrds = [5002], Load = [new Inject(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))] },
            ],
            ReportFormats = [],
            MaxFailCount = 0,
            Thresholds = [Thresholds.ThresholdParser.Parse("lost_tasks = 0")],
        };
        var output = new StringWriter();
        var outcome = await LoadRunner.RunAsync(spec, output, new StringWriter(), live: false, baseDirectory: null, CancellationToken.None);

        var swallowed = sim.Swallower!.Swallowed;
        Assert.True(swallowed >= 4, $"swallowed {swallowed}");
        Assert.Equal(ExitCodes.ThresholdsFailed, outcome.ExitCode);
        var t = outcome.Result!.Tasks!;
        Assert.Equal(swallowed, t.Lost);
        Assert.Equal(0, t.Open);
        Assert.Equal(t.Submitted, t.Closed + t.Queued + t.InProgress + t.Lost);
        Assert.Contains($"threshold FAIL: lost_tasks = 0 (actual {swallowed})", output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"lost {swallowed}", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuiltinTaskHandlingRunsFromTheCommandLineWithItsOwnTaskFeed()
    {
        await using var sim = RealSimulator.Start();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.Parse(
        [
            "run", "--builtin", "task-handling", "-u", sim.BaseUrl.ToString(), "--agents", "1000-1007", "--copies", "8", "-d", "2s",
            "--task-rate", "8", "--tasks-per-shift", "2", "--transfer-share", "0.5", "--handle-time", "50ms",
            "-t", "lost_tasks = 0", "-t", "lost_notifications = 0", "--report-formats", "none", "--plain",
        ]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });

        Assert.True(code == ExitCodes.Passed, output.ToString() + error);
        var text = output.ToString();
        Assert.Contains("inject 8/1s 2s; keep-constant 8 2s", text, StringComparison.Ordinal);
        Assert.Contains("task-feed/submit", text, StringComparison.Ordinal);
        Assert.Contains("task-handling/close.notified", text, StringComparison.Ordinal);
        Assert.Contains("threshold pass: lost_tasks = 0 (actual 0)", text, StringComparison.Ordinal);
        Assert.Matches(@"tasks: submitted 1\d,", text);
    }
}
