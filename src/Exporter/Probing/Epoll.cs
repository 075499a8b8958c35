using System.Runtime.InteropServices;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>
/// An epoll instance and the buffer its events are read into, used by the engine's thread alone. Every call is
/// checked: a failure throws with the errno of the call that failed.
/// </summary>
internal sealed unsafe class Epoll(int fd, byte* events, int capacity) : IDisposable
{
    private byte* events = events;

    /// <param name="capacity">How many events one <see cref="Wait"/> reads at most.</param>
    /// <exception cref="IOException">epoll_create1 failed.</exception>
    public static Epoll Create(int capacity)
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(capacity * Native.EpollEventSize));
        var fd = Native.EpollCreate(Native.EpollCloexec);
        if (fd < 0)
        {
            var errno = Native.LastError;
            NativeMemory.Free(events);
            throw Failure("epoll_create1", errno);
        }

        return new Epoll(fd, events, capacity);
    }

    /// <summary>The event read at <paramref name="index"/> by the last <see cref="Wait"/>.</summary>
    public (uint Flags, ulong Data) this[int index] =>
        (uint)index < (uint)capacity ? Native.ReadEvent(events, index) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Watches <paramref name="target"/> for <paramref name="interest"/>; its events carry <paramref name="data"/>.</summary>
    public void Add(int target, uint interest, ulong data) => Check(Native.Control(fd, Native.EpollCtlAdd, target, interest, data), "EPOLL_CTL_ADD");

    public void Delete(int target) => Check(Native.Control(fd, Native.EpollCtlDelete, target, 0, 0), "EPOLL_CTL_DEL");

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> (0: just looks); returns how many events were read.</summary>
    public int Wait(int timeoutMilliseconds)
    {
        var count = Native.EpollWait(fd, events, capacity, timeoutMilliseconds);
        if (count >= 0)
        {
            return count;
        }

        // A signal interrupted the wait: nothing happened, and the caller looks again.
        var errno = Native.LastError;
        return errno == Native.EIntr ? 0 : throw Failure("epoll_wait", errno);
    }

    public void Dispose()
    {
        if (events is null)
        {
            return;
        }

        Native.Close(fd);
        NativeMemory.Free(events);
        events = null;
    }

    private static void Check(int result, string operation)
    {
        if (result != 0)
        {
            throw Failure($"epoll_ctl({operation})", Native.LastError);
        }
    }

    private static IOException Failure(string call, int errno) => new($"{call} failed: {Native.Describe(errno)}");
}
