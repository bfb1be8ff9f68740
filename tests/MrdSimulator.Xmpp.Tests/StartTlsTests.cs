using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MrdSimulator.Xmpp.Tests.Infrastructure;

namespace MrdSimulator.Xmpp.Tests;

/// <summary>STARTTLS (RFC 6120 §5) when a certificate is configured, over a real TLS handshake.</summary>
public sealed class StartTlsTests : IDisposable
{
    private const string Password = "test-pfx-password";
    private readonly string _pfx = Path.Combine(Path.GetTempPath(), $"xmpp-{Guid.NewGuid():N}.pfx");
    private readonly X509Certificate2 _certificate;

    public StartTlsTests()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=finesse.mrdsim.local", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(_pfx, _certificate.Export(X509ContentType.Pkcs12, Password));
    }

    public void Dispose()
    {
        _certificate.Dispose();
        File.Delete(_pfx);
    }

    [Fact]
    public async Task WithACertificateTheServerOffersStartTlsAndSaslRunsOverTls()
    {
        await using var host = SimulatorHost.StartKestrel(("Simulator:Xmpp:CertificateFile", _pfx), ("Simulator:Xmpp:CertificatePassword", Password));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", host.XmppPort);
        Stream stream = tcp.GetStream();
        var text = new StringBuilder();

        await WriteAsync(stream, Open(host.Domain));
        var features = await ReadUntilAsync(stream, text, "</stream:features>");
        Assert.Contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'", features, StringComparison.Ordinal);

        await WriteAsync(stream, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        Assert.Contains("<proceed", (await ReadUntilAsync(stream, text, "/>", from: features.Length))[features.Length..], StringComparison.Ordinal);

        // The client pins the configured (self-signed) certificate: the handshake fails with any other.
        var expected = _certificate.Thumbprint;
        var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
            certificate is not null && X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()).Thumbprint == expected);
        await tls.AuthenticateAsClientAsync(host.Domain);
        Assert.True(tls.IsAuthenticated && tls.IsEncrypted);

        // The stream restarts over TLS: no second STARTTLS, and SASL works.
        text.Clear();
        await WriteAsync(tls, Open(host.Domain));
        var secured = await ReadUntilAsync(tls, text, "</stream:features>");
        Assert.DoesNotContain("starttls", secured, StringComparison.Ordinal);
        Assert.Contains("<mechanism>PLAIN</mechanism>", secured, StringComparison.Ordinal);
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\u00001000\u0000password"));
        await WriteAsync(tls, $"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>");
        Assert.Contains("<success", await ReadUntilAsync(tls, text, "/>", from: secured.Length), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutACertificateStartTlsIsNotOffered()
    {
        await using var host = SimulatorHost.StartKestrel();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", host.XmppPort);
        var stream = tcp.GetStream();

        await WriteAsync(stream, Open(host.Domain));

        Assert.DoesNotContain("starttls", await ReadUntilAsync(stream, new StringBuilder(), "</stream:features>"), StringComparison.Ordinal);
    }

    private static string Open(string domain) =>
        $"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{domain}' version='1.0'>";

    private static async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await stream.FlushAsync();
    }

    /// <summary>Reads byte by byte (so nothing past the marker is consumed before a TLS upgrade) until the marker appears after <paramref name="from"/>.</summary>
    private static async Task<string> ReadUntilAsync(Stream stream, StringBuilder text, string marker, int from = 0)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[1];
        while (text.ToString().IndexOf(marker, from, StringComparison.Ordinal) < 0)
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"stream closed before '{marker}': {text}");
            }

            text.Append((char)buffer[0]);
        }

        return text.ToString();
    }
}
