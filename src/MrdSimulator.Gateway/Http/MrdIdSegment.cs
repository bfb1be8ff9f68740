using System.Globalization;
using MrdSimulator.Domain.Errors;

namespace MrdSimulator.Gateway.Http;

/// <summary>
/// The <c>{mrdId}</c> segment of Media URIs. Only the canonical decimal form is an MRD id: no sign, no spaces, no leading
/// zero. <c>05000</c> is refused rather than taken as MRD 5000, because the Media object's <c>uri</c> and every Update's
/// <c>source</c> name the MRD canonically, and a client that matched notifications to the URI it called would never
/// see its own (docs/fidelity.md, "REST conventions").
/// </summary>
public static class MrdIdSegment
{
    public static bool TryParse(string segment, out int mrdId) =>
        int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out mrdId) && (segment.Length == 1 || segment[0] != '0');

    /// <summary>400 Invalid Input, as for any segment that is not an MRD id.</summary>
    public static ApiError Invalid(string segment) =>
        ApiError.InvalidInput("mrdId", $"'{segment}' is not a Media Routing Domain id (decimal digits without leading zeros)", segment);
}
