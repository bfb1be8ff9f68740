using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace MrdSimulator.Xmpp.Tests.Infrastructure;

/// <summary>
/// Runs a client script (python3 + slixmpp, node + @xmpp/client or Strophe.js) and talks to it by lines:
/// the script prints <c>READY</c> once subscribed, <c>EVENT {json}</c> per notification, <c>RESULT {json}</c>
/// at the end. Missing interpreters or modules make the test fail, never skip.
/// </summary>
public sealed class ExternalClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _signal = new(0);

    private ExternalClient(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }

            _signal.Release();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string ClientsDirectory { get; } = typeof(ExternalClient).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ClientsDirectory").Value!;

    /// <summary>Debian's python3 (python3-slixmpp is installed for it), not whatever python3 is first on PATH.</summary>
    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static ExternalClient StartPython(string script, params string[] args) => Start(Python, script, args);

    public static ExternalClient StartNode(string script, params string[] args)
    {
        Assert.True(Directory.Exists(Path.Combine(ClientsDirectory, "node_modules")),
            $"node modules are missing: run 'npm ci' in {ClientsDirectory}");
        return Start("node", script, args);
    }

    private static ExternalClient Start(string interpreter, string script, string[] args)
    {
        var info = new ProcessStartInfo(interpreter)
        {
            WorkingDirectory = ClientsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(ClientsDirectory, script));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            return new ExternalClient(Process.Start(info)!);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"cannot start {interpreter}: {ex.Message} (see docs/xmpp.md for what to install)", ex);
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/> and returns the rest.</summary>
    public async Task<string> WaitForAsync(string prefix, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        var seen = 0;
        while (true)
        {
            var lines = Lines;
            for (; seen < lines.Count; seen++)
            {
                if (lines[seen].StartsWith(prefix, StringComparison.Ordinal))
                {
                    return lines[seen][prefix.Length..].Trim();
                }
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || (_process.HasExited && !await _signal.WaitAsync(200)))
            {
                if (_process.HasExited && Lines.Count > seen)
                {
                    continue;
                }

                throw new TimeoutException($"no '{prefix}' line from the client. stdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
            }

            await _signal.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public IReadOnlyList<JsonElement> Events =>
        [.. Lines.Where(l => l.StartsWith("EVENT ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement)];

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _signal.Dispose();
    }
}
