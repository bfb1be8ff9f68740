using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MrdSimulator.Observability.Tests;

/// <summary>An OTLP/HTTP sink on loopback: keeps every protobuf body POSTed to /v1/metrics and /v1/traces.</summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<byte[]> Metrics { get; } = new();

    public ConcurrentQueue<byte[]> Traces { get; } = new();

    public ConcurrentQueue<string> ContentTypes { get; } = new();

    public string Endpoint => _app.Urls.First();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/metrics", (HttpContext c) => ReadAsync(c, receiver.Metrics, receiver.ContentTypes));
        app.MapPost("/v1/traces", (HttpContext c) => ReadAsync(c, receiver.Traces, receiver.ContentTypes));
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static async Task ReadAsync(HttpContext context, ConcurrentQueue<byte[]> into, ConcurrentQueue<string> types)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        into.Enqueue(body.ToArray());
        types.Enqueue(context.Request.ContentType ?? string.Empty);
        context.Response.ContentType = "application/x-protobuf";
    }
}

/// <summary>Just enough of the protobuf wire format to walk OTLP messages: varints and length-delimited fields.</summary>
internal static class Protobuf
{
    public readonly record struct Field(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes);

    public static List<Field> Read(ReadOnlyMemory<byte> message)
    {
        var fields = new List<Field>();
        var span = message.Span;
        var pos = 0;
        while (pos < span.Length)
        {
            var key = ReadVarint(span, ref pos);
            var number = (int)(key >> 3);
            var wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    fields.Add(new Field(number, wire, ReadVarint(span, ref pos), default));
                    break;
                case 1:
                    fields.Add(new Field(number, wire, 0, message.Slice(pos, 8)));
                    pos += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(span, ref pos);
                    fields.Add(new Field(number, wire, 0, message.Slice(pos, length)));
                    pos += length;
                    break;
                case 5:
                    fields.Add(new Field(number, wire, 0, message.Slice(pos, 4)));
                    pos += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wire} at {pos}");
            }
        }

        return fields;
    }

    /// <summary>The length-delimited fields along a path of field numbers, e.g. (1, 2, 2) = resource_metrics.scope_metrics.metrics.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Path(ReadOnlyMemory<byte> message, params int[] numbers)
    {
        IEnumerable<ReadOnlyMemory<byte>> level = [message];
        foreach (var n in numbers)
        {
            level = level.SelectMany(m => Read(m).Where(f => f.Number == n && f.WireType == 2).Select(f => f.Bytes)).ToList();
        }

        return level;
    }

    public static string String(ReadOnlyMemory<byte> message, int number) =>
        Read(message).Where(f => f.Number == number && f.WireType == 2).Select(f => System.Text.Encoding.UTF8.GetString(f.Bytes.Span)).FirstOrDefault() ?? string.Empty;

    public static string Hex(ReadOnlyMemory<byte> message, int number) =>
        Read(message).Where(f => f.Number == number && f.WireType == 2).Select(f => Convert.ToHexStringLower(f.Bytes.Span)).FirstOrDefault() ?? string.Empty;

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = span[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("varint too long");
    }
}
