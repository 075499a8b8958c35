using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>
/// What the engine's thread waits on. Two epoll instances: it sleeps on <see cref="Held"/> (its wake-up eventfd and
/// the held connections); connects in flight sit in <see cref="Connecting"/>, which it only looks at when it is awake
/// anyway, so a finished handshake costs no wake-up of its own.
/// </summary>
internal sealed class SocketWatch(Epoll held, Epoll connecting, EventFdHandle wakeUp) : IDisposable
{
    /// <summary>The epoll data of the wake-up eventfd; a probe's data never has all bits set.</summary>
    public const ulong WakeUpData = ulong.MaxValue;

    public Epoll Held { get; } = held;

    public Epoll Connecting { get; } = connecting;

    public EventFdHandle WakeUp { get; } = wakeUp;

    /// <summary>Creates both epoll instances and the eventfd, each checked; what was created is closed again when a later step fails.</summary>
    /// <exception cref="IOException">A call failed; the message has its errno.</exception>
    public static SocketWatch Open(int capacity)
    {
        Epoll? held = null;
        Epoll? connecting = null;
        EventFdHandle? wakeUp = null;
        try
        {
            held = Epoll.Create(capacity);
            connecting = Epoll.Create(capacity);
            wakeUp = EventFdHandle.Create();
            held.Add(wakeUp.Fd, Native.EpollIn, WakeUpData);
            return new SocketWatch(held, connecting, wakeUp);
        }
        catch
        {
            wakeUp?.Dispose();
            connecting?.Dispose();
            held?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Held.Dispose();
        Connecting.Dispose();
        WakeUp.Dispose();
    }
}
