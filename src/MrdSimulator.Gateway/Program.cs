using MrdSimulator.Domain.Chaos;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Gateway;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Planning;
using MrdSimulator.Gateway.Tasks;

if (PlanCommandLine.IsPlan(args))
{
    return await PlanCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

if (CommandLineSwitches.WantsHelp(args))
{
    Console.Write(CommandLineSwitches.Usage());
    return 0;
}

if (CommandLineSwitches.FindUnknown(args) is { } badSwitch)
{
    Console.Error.WriteLine($"mrdsim: cannot start: {badSwitch}");
    return 2;
}

SimulatorOptions options;
SimulatorDirectory directory;
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
builder.Configuration.AddCommandLine(args, CommandLineSwitches.Mappings.ToDictionary());
try
{
    options = SimulatorSetup.ReadOptions(builder.Configuration);
    directory = SimulatorSetup.LoadDirectory(options);
    var chaos = ChaosOptions.Read(builder.Configuration);
    if (options.Role == SimulatorRole.Gateway && chaos.TokenGenerated)
    {
        // Any gateway serves any admin call for the whole cluster, so they must all accept the same token.
        throw new OptionsException("--admin-token", "a cluster's gateways share one admin token; give every gateway the same --admin-token (16+ characters)");
    }

    if (options.Role == SimulatorRole.All && chaos.Plan?.Faults.FirstOrDefault(f => f.Kind.IsProcess()) is { } processFault)
    {
        throw new OptionsException("--chaos-plan", $"fault '{processFault.Id}' ({processFault.Kind.ToWire()}) kills a process of a cluster; the embedded simulator is one process (docs/cluster.md)");
    }

    builder.AddSimulator(options, directory);
    builder.Services.AddTaskSimulation(builder.Configuration, options.Role);
    builder.Services.AddChaos(chaos, options.Role);
}
catch (Exception ex) when (ex is DirectoryException or OptionsException or InvalidOperationException or FormatException)
{
    // A bad directory or option stops start-up with the file, line and field at fault, not a stack trace.
    Console.Error.WriteLine($"mrdsim: cannot start: {ex.Message}");
    return 2;
}

builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    // Above every endpoint's own limit (Finesse 16 KiB, CCP tasks and chaos plans 256 KiB, BOSH bodies), so that
    // each refuses a large body in its API's terms; this one only bounds what an endpoint reads without a limit.
    k.Limits.MaxRequestBodySize = new[] { options.MaxRequestBodyBytes, TaskSubmissionParser.MaxBodyBytes, ChaosPlanParser.MaxPlanBytes, options.Xmpp.MaxStanzaBytes }.Max() * 4L;
});
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    // The embedded default binds to loopback only.
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

if (options.Role != SimulatorRole.All && await ClusterPreflight.RedisProblemAsync(options) is { } redisProblem)
{
    Console.Error.WriteLine($"mrdsim: cannot start: {redisProblem}");
    return 3;
}

var app = builder.Build();
app.MapSimulator();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(options.Role switch
{
    SimulatorRole.All => $"MRD Simulator listening on {string.Join(", ", app.Urls)} with {directory.UserCount} users and {directory.Mrds.Count} MRDs",
    _ => $"MRD Simulator {options.Role.ToString().ToLowerInvariant()} of cluster {options.ClusterId} (Redis {options.Redis}) listening on {string.Join(", ", app.Urls)} with {directory.UserCount} users and {directory.Mrds.Count} MRDs",
}));
try
{
    await app.RunAsync();
}
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    // Another process (often a simulator started earlier) holds the port: say so plainly.
    Console.Error.WriteLine($"mrdsim: cannot start: {ex.Message} Stop the other process or choose another port.");
    return 2;
}

return 0;

/// <summary>The host's entry point, public so that tests can start it with WebApplicationFactory.</summary>
public partial class Program;
