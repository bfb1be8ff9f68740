using System.Globalization;
using System.Xml.Linq;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;

namespace MrdSimulator.Testing;

/// <summary>
/// Checks that concurrent Media requests to one pair were applied one at a time: replaying the requests through the
/// state machine in the order their Updates came out must give, Update by Update, what each Update says.
/// </summary>
public static class MediaReplay
{
    /// <summary>The requests a replay test sends, and their bodies for REST.</summary>
    public static readonly (MediaRequest Request, string Body)[] Requests =
    [
        (MediaRequest.Login(10, InterruptAction.Accept, DialogLogoutAction.Close), "<Media><maxDialogLimit>10</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>CLOSE</dialogLogoutAction></Media>"),
        (MediaRequest.ChangeState(AgentState.Ready), "<Media><state>READY</state></Media>"),
        (MediaRequest.ChangeState(AgentState.NotReady, 1001), "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>"),
        (MediaRequest.ChangeState(AgentState.Logout), "<Media><state>LOGOUT</state></Media>"),
        (MediaRequest.SetRoutable(false), "<Media><routable>false</routable></Media>"),
        (MediaRequest.SetRoutable(true), "<Media><routable>true</routable></Media>"),
    ];

    /// <summary>Index of READY: READY while READY publishes nothing, so only its Updates may be missing.</summary>
    public const int Ready = 1;

    /// <summary>
    /// Replays request <c>kinds[i]</c> (sent with requestId <c>c{i}</c>) in the order of <paramref name="updates"/>;
    /// throws at the first Update the state machine contradicts. Returns the final state.
    /// </summary>
    public static MediaState Verify(IReadOnlyList<string> updates, IReadOnlyList<int> kinds, MediaRoutingDomain mrd, DateTime now)
    {
        var parsed = updates.Select(XElement.Parse).ToList();
        var ids = parsed.Select(u => u.Element("requestId")!.Value).ToList();
        Check(ids.Count == ids.Distinct().Count(), "an Update arrived twice");
        var missing = Enumerable.Range(0, kinds.Count).Where(i => !ids.Contains($"c{i}")).ToList();
        Check(missing.All(i => kinds[i] == Ready), $"requests without an Update: {string.Join(", ", missing.Where(i => kinds[i] != Ready))}");

        var state = MediaState.Initial;
        foreach (var update in parsed)
        {
            var index = int.Parse(update.Element("requestId")!.Value[1..], CultureInfo.InvariantCulture);
            var outcome = MediaStateMachine.Apply(state, Requests[kinds[index]].Request, new MediaContext(mrd, true, now));
            var data = update.Element("data")!.Elements().Single();
            if (data.Name == "apiErrors")
            {
                Check(outcome.Effect == MediaEffect.Error && outcome.Error!.Constant == data.Descendants("errorMessage").Single().Value, $"c{index}: {data}");
            }
            else
            {
                Check(outcome.Effect == MediaEffect.Publish
                    && outcome.State.State.ToWire() == data.Element("state")!.Value
                    && (outcome.State.Routable ? "true" : "false") == data.Element("routable")!.Value
                    && outcome.State.ReasonCodeId.ToString(CultureInfo.InvariantCulture) == data.Element("reasonCodeId")!.Value,
                    $"c{index}: the state machine says {outcome.Effect} {outcome.State.State.ToWire()}, the Update says {data}");
            }

            state = outcome.State;
        }

        return state;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Not a valid sequence: " + message);
        }
    }
}
