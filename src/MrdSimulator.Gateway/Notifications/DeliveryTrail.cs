using System.Diagnostics;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>
/// The last Updates a session handed to its connection. When a fault resets the connection, bytes still in the
/// server's pipe or socket buffers are lost and the server cannot tell which; the trail names the candidates
/// (at most <see cref="Capacity"/>, written within <see cref="Window"/>) so that a client can match what it
/// missed by requestId. Written by the session's single writer; read when a fault cuts the session.
/// </summary>
public sealed class DeliveryTrail
{
    public const int Capacity = 32;

    public static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    private readonly Notification?[] _items = new Notification?[Capacity];
    private readonly long[] _ticks = new long[Capacity];
    private int _next;

    /// <summary>
    /// Called for every Update written, so no lock: a session writes one item at a time, and the reader (at a cut)
    /// only needs candidates. A slot overwritten while it is read pairs two recent entries, still a candidate. (A BOSH
    /// session answering two held requests at once could overwrite a slot and forget a candidate, never invent one.)
    /// </summary>
    public void Written(Notification notification)
    {
        var at = _next;
        _ticks[at] = Stopwatch.GetTimestamp();
        Volatile.Write(ref _items[at], notification);
        Volatile.Write(ref _next, (at + 1) % Capacity);
    }

    /// <summary>The Updates written within <see cref="Window"/> and when (<see cref="Stopwatch"/> ticks), oldest first.</summary>
    public IReadOnlyList<(Notification Notification, long WrittenTicks)> Recent()
    {
        var now = Stopwatch.GetTimestamp();
        var next = Volatile.Read(ref _next);
        var result = new List<(Notification, long)>();
        for (var i = 0; i < Capacity; i++)
        {
            var at = (next + i) % Capacity;
            if (Volatile.Read(ref _items[at]) is { } item && Stopwatch.GetElapsedTime(_ticks[at], now) <= Window)
            {
                result.Add((item, _ticks[at]));
            }
        }

        return result;
    }
}
