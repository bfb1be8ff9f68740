using Orleans;

namespace MrdSimulator.Domain.Media;

/// <summary>The fields of a Media PUT body; null where the element was absent.</summary>
[GenerateSerializer, Immutable, Alias("MediaRequest")]
public sealed record MediaRequest(
    AgentState? State = null,
    int? MaxDialogLimit = null,
    InterruptAction? InterruptAction = null,
    DialogLogoutAction? DialogLogoutAction = null,
    int? ReasonCodeId = null,
    bool? Routable = null)
{
    public static MediaRequest Login(int maxDialogLimit, InterruptAction interrupt, DialogLogoutAction? logout = null) =>
        new(AgentState.Login, maxDialogLimit, interrupt, logout);

    public static MediaRequest ChangeState(AgentState state, int? reasonCodeId = null) => new(state, ReasonCodeId: reasonCodeId);

    public static MediaRequest SetRoutable(bool routable) => new(Routable: routable);
}
