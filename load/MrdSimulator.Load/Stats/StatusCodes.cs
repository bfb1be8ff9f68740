namespace MrdSimulator.Load.Stats;

/// <summary>
/// Status codes recorded per step. HTTP answers keep their code; outcomes without an HTTP status use
/// distinct codes so that timeouts, exceptions and notification problems never hide among each other.
/// </summary>
public static class StatusCodes
{
    public const int Notified = 1;
    public const int ExpectedSilence = 2;
    public const int ExpectedAsyncError = 3;
    public const int Ok = 4;

    public const int Timeout = -100;
    public const int Exception = -101;
    public const int ConnectionError = -102;
    public const int Dropped = -103;
    public const int NotificationLost = -110;
    public const int NotificationContradicting = -111;
    public const int NotificationUnexpected = -112;
    public const int AsyncError = -113;

    internal const int MinCode = -200;
    internal const int MaxCode = 999;

    /// <summary>Status of a failed notification subscription: the HTTP status (SSE), the source's own (XMPP), else a connection error.</summary>
    public static int OfSubscribeFailure(System.Exception failure) => failure switch
    {
        System.Net.Http.HttpRequestException { StatusCode: { } status } => (int)status,
        Finesse.Xmpp.NotificationConnectException n => n.Status,
        _ => ConnectionError,
    };

    public static string Describe(int code) => code switch
    {
        Notified => "notification received",
        ExpectedSilence => "no notification, as expected (READY while READY)",
        ExpectedAsyncError => "asynchronous error notification, as expected",
        Ok => "ok",
        Timeout => "operation timeout",
        Exception => "unhandled exception",
        ConnectionError => "connection error",
        Dropped => "dropped: generator could not start it (queue full)",
        NotificationLost => "notification missing after timeout",
        NotificationContradicting => "notification contradicts the state machine",
        NotificationUnexpected => "notification where none was expected",
        AsyncError => "asynchronous error notification",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => code is >= 100 and <= 599 ? "HTTP " + code : "code " + code,
    };
}
