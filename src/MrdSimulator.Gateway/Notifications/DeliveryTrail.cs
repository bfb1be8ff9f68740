using System.Diagnostics;
using MrdSimulator.Grains.Notifications;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>
/// The last Updates a session handed to its connection. When a fault resets the connection, bytes still in the
/// server's pipe or socket buffers are lost and the server cannot tell which; the trail names the candidates
/// (at most <see cref="Capacity"/>, written within <see cref="Window"/>) so that a client can match what it
/// missed by requestId. Written by the session's single writer; read once when the session ends.
/// </summary>
public sealed class DeliveryTrail
{
    public const int Capacity = 32;

    public static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    private readonly Notification?[] _items = new Notification?[Capacity];
    private readonly long[] _ticks = new long[Capacity];
    private int _next;

    public void Written(Notification notification)
    {
        lock (_items)
        {
            _items[_next] = notification;
            _ticks[_next] = Stopwatch.GetTimestamp();
            _next = (_next + 1) % Capacity;
        }
    }

    /// <summary>The Updates written within <see cref="Window"/> and when (<see cref="Stopwatch"/> ticks), oldest first.</summary>
    public IReadOnlyList<(Notification Notification, long WrittenTicks)> Recent()
    {
        var now = Stopwatch.GetTimestamp();
        var result = new List<(Notification, long)>();
        lock (_items)
        {
            for (var i = 0; i < Capacity; i++)
            {
                var at = (_next + i) % Capacity;
                if (_items[at] is { } item && Stopwatch.GetElapsedTime(_ticks[at], now) <= Window)
                {
                    result.Add((item, _ticks[at]));
                }
            }
        }

        return result;
    }
}
