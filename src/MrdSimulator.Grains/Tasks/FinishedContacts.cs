using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Messaging;

namespace MrdSimulator.Grains.Tasks;

/// <summary>
/// The contacts that ended in this silo (handled, discarded, cancelled), oldest first, with the estimated size of
/// their requests (<see cref="TaskFootprint"/>). Past <see cref="TaskIntakeOptions.MaxFinishedBytes"/> the oldest are
/// told to forget themselves, through a reliable outbox lane, so finished contacts hold a bounded amount of memory
/// however many a client makes (an unknown script selector or a cancel ends a contact at once).
/// </summary>
public sealed class FinishedContacts
{
    private readonly Lock _gate = new();
    private readonly Queue<(string ContactId, int Size)> _held = new();
    private readonly BatchLane<string> _forget;
    private readonly long _max;
    private long _bytes;

    public FinishedContacts(GrainOutbox outbox, TaskIntakeOptions options)
    {
        _max = options.MaxFinishedBytes;

        // Forgetting is idempotent, so a batch retried after a transient failure does no harm.
        _forget = new BatchLane<string>(outbox, "finished contacts to forget", reliable: true, int.MaxValue,
            ids => Task.WhenAll(ids.Select(id => outbox.Grains.Get<IContactGrain>(id).ForgetAsync().AsTask())));
    }

    public void Finished(string contactId, int size)
    {
        lock (_gate)
        {
            _held.Enqueue((contactId, size));
            _bytes += size;
            while (_bytes > _max && _held.TryDequeue(out var oldest))
            {
                _bytes -= oldest.Size;
                _forget.TryPost(oldest.ContactId, out _);
            }
        }
    }
}
