using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;

namespace MrdSimulator.Gateway.SystemInfo;

public static class SystemInfoApi
{
    public static RouteGroupBuilder MapSystemInfoApi(this RouteGroupBuilder finesse)
    {
        finesse.MapGet("/SystemInfo", (SimulatorOptions options, ServiceStatus status) =>
            FinesseResults.Xml(SystemXml.SystemInfo(status.Wire, options.XmppDomain, options.XmppPubSubDomain)))
            .AllowWhenOutOfService();
        finesse.MapMethodNotAllowed("/SystemInfo", HttpMethods.Get);
        return finesse;
    }
}
