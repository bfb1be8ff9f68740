using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MrdSimulator.Grains.Storage;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace MrdSimulator.Grains.Hosting;

/// <summary>How membership reacts to a silo that stops answering.</summary>
public enum FailureDetection
{
    /// <summary>Orleans' defaults: typically about 15 s, at worst about a minute, to declare a silo dead.</summary>
    Default,

    /// <summary>
    /// Seconds, for a cluster on one machine or a LAN (the local cluster and its tests): a silo missing two 1-second
    /// probes is voted dead, and a call whose message died with its silo gives up after 10 s instead of 30 s.
    /// </summary>
    Fast,
}

/// <summary>Where a cluster's silos and gateways meet: Redis for membership and grain state, and the cluster's identity.</summary>
/// <param name="Redis">A StackExchange.Redis configuration string (<c>host:port[,options]</c>).</param>
/// <param name="ServiceId">Part of every stored grain key: keep it stable across restarts.</param>
public sealed record ClusterConnection(string Redis, string ClusterId, string ServiceId, FailureDetection FailureDetection = FailureDetection.Default)
{
    public ConfigurationOptions RedisOptions()
    {
        var options = ConfigurationOptions.Parse(Redis);

        // Wait for Redis rather than fail the call at once while it restarts; calls that still fail answer 503.
        options.AbortOnConnectFail = false;
        return options;
    }
}

public static class ClusterHostingExtensions
{
    /// <summary>
    /// How long a call waits for its answer under <see cref="FailureDetection.Fast"/>. A message already sent to a silo
    /// that then dies gets no answer at all; only this timeout ends it (a 503 at the gateway, never a 202).
    /// </summary>
    public static readonly TimeSpan FastResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A silo of a cluster on Redis: membership, grain state (Orleans' binary serializer) and endpoints.</summary>
    public static ISiloBuilder UseSimulatorCluster(this ISiloBuilder silo, ClusterConnection cluster, IPAddress advertisedAddress, int siloPort, int gatewayPort)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.ConfigureEndpoints(advertisedAddress, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertisedAddress));
        silo.UseRedisClustering(o => o.ConfigurationOptions = cluster.RedisOptions());
        silo.AddRedisGrainStorage(StorageNames.Grains, builder => builder.Configure<Serializer>((o, serializer) =>
        {
            o.ConfigurationOptions = cluster.RedisOptions();
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        if (cluster.FailureDetection == FailureDetection.Fast)
        {
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = FastResponseTimeout);
        }

        return silo;
    }

    /// <summary>A client (a gateway process) of a cluster on Redis.</summary>
    public static IClientBuilder UseSimulatorCluster(this IClientBuilder client, ClusterConnection cluster)
    {
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        client.UseRedisClustering(o => o.ConfigurationOptions = cluster.RedisOptions());
        if (cluster.FailureDetection == FailureDetection.Fast)
        {
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = FastResponseTimeout);
        }

        return client;
    }
}
