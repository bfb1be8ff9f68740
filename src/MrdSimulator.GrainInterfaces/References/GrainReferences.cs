namespace MrdSimulator.GrainInterfaces.References;

/// <summary>
/// Grain references without reflection. Orleans 10.4's <c>GetGrain&lt;T&gt;(key)</c> resolves <typeparamref name="T"/>'s
/// grain interface type from its attributes on every call (uncached); on the REST path that was a quarter of a
/// Media PUT's handler time (docs/benchmarks.md). The grain and interface types are resolved once per interface
/// here, through Orleans itself, and references are then made from a <see cref="GrainId"/>.
/// </summary>
public static class GrainReferences
{
    public static TGrain Get<TGrain>(this IGrainFactory grains, string key)
        where TGrain : IGrainWithStringKey
    {
        var (grainType, interfaceType) = Types<TGrain>.Of(grains);
        return (TGrain)grains.GetGrain(GrainId.Create(grainType, key), interfaceType);
    }

    public static TGrain Get<TGrain>(this IGrainFactory grains, long key)
        where TGrain : IGrainWithIntegerKey
    {
        var (grainType, interfaceType) = Types<TGrain>.Of(grains);
        return (TGrain)grains.GetGrain(GrainId.Create(grainType, GrainIdKeyExtensions.CreateIntegerKey(key)), interfaceType);
    }

    private static class Types<TGrain>
    {
        // A class, not a tuple of structs: a reference is published whole, a struct of this size could be read torn.
        private static Resolved? _types;

        /// <summary>The types depend only on the interface and the grain class names, so one answer serves every host.</summary>
        public static (GrainType Grain, GrainInterfaceType Interface) Of(IGrainFactory grains)
        {
            var types = Volatile.Read(ref _types);
            if (types is null)
            {
                var reference = (GrainReference)(object)(typeof(IGrainWithIntegerKey).IsAssignableFrom(typeof(TGrain))
                    ? grains.GetGrain(typeof(TGrain), 0L)
                    : grains.GetGrain(typeof(TGrain), "types"));
                types = new Resolved(reference.GrainId.Type, reference.InterfaceType);
                Volatile.Write(ref _types, types);
            }

            return (types.Grain, types.Interface);
        }
    }

    private sealed record Resolved(GrainType Grain, GrainInterfaceType Interface);
}
