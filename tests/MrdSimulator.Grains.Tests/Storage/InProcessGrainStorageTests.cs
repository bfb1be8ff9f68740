using MrdSimulator.Grains.Storage;
using Orleans.Storage;

namespace MrdSimulator.Grains.Tests.Storage;

/// <summary>The store's <see cref="IGrainStorage"/> face, which tests and other callers use next to the grains' own states.</summary>
public sealed class InProcessGrainStorageTests
{
    private static readonly GrainId Grain = GrainId.Create("media", "1000/5000");

    [Fact]
    public async Task AWriteHandsBackAnEtagThatTheNextWriteMustPresent()
    {
        var store = new InProcessGrainStorage();
        var first = new GrainState<string>("a");
        await store.WriteStateAsync("media", Grain, first);
        Assert.True(first.RecordExists);
        Assert.NotNull(first.ETag);

        var reader = new GrainState<string>();
        await store.ReadStateAsync("media", Grain, reader);
        Assert.Equal(("a", first.ETag, true), (reader.State, reader.ETag, reader.RecordExists));

        first.State = "b";
        await store.WriteStateAsync("media", Grain, first);
        Assert.NotEqual(reader.ETag, first.ETag);

        // The reader's etag is now stale: its write is refused and the stored record stays.
        reader.State = "c";
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteStateAsync("media", Grain, reader));
        Assert.Equal("b", store.Entries<string>("media").Single().State);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-an-etag")]
    [InlineData("-5")]
    [InlineData("ffffffff")]
    public async Task AWriteWithAnEtagTheStoreDidNotHandOutIsRefused(string? etag)
    {
        var store = new InProcessGrainStorage();
        await store.WriteStateAsync("media", Grain, new GrainState<string>("stored"));

        // null claims there is no record yet; the others were never handed out for this record.
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteStateAsync("media", Grain, new GrainState<string>("other", etag)));
        Assert.Equal("stored", store.Entries<string>("media").Single().State);
    }

    [Fact]
    public async Task ClearingNeedsTheCurrentEtagAndLeavesNoRecord()
    {
        var store = new InProcessGrainStorage();
        var state = new GrainState<string>("a");
        await store.WriteStateAsync("media", Grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => store.ClearStateAsync("media", Grain, new GrainState<string>("a", "1234")));
        Assert.Equal(1, store.Count);

        await store.ClearStateAsync("media", Grain, state);
        Assert.Equal((0, null, false), (store.Count, state.ETag, state.RecordExists));

        // With no record left, a write that claims none succeeds again.
        await store.WriteStateAsync("media", Grain, new GrainState<string>("again"));
        Assert.Equal("again", store.Entries<string>("media").Single().State);
    }
}
