namespace MrdSimulator.Gateway.Xmpp;

/// <summary>Registration of the XMPP service: the TCP listener as a hosted service, WebSocket and BOSH endpoints.</summary>
public static class XmppApi
{
    public static IServiceCollection AddXmpp(this IServiceCollection services)
    {
        services.AddSingleton<XmppServer>();
        services.AddHostedService(sp => sp.GetRequiredService<XmppServer>());
        services.AddSingleton<BoshSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<BoshSessions>());
        return services;
    }

    public static WebApplication MapXmppApi(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });

        // Finesse documents /ws; Cisco's sample builds /ws/ (reference §8.1). Routing ignores a trailing slash,
        // so this one route serves both.
        app.Map("/ws", XmppWebSocketEndpoint.HandleAsync);
        app.Map("/http-bind", XmppBoshEndpoint.HandleAsync);
        return app;
    }
}
