using Microsoft.Win32.SafeHandles;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>
/// The eventfd that wakes the engine's thread. A SafeHandle, so it cannot be closed while another thread writes to
/// it; descriptor 0 is a valid one, so only -1 is invalid.
/// </summary>
internal sealed unsafe class EventFdHandle : SafeHandleMinusOneIsInvalid
{
    private EventFdHandle(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    public int Fd => (int)handle;

    /// <exception cref="IOException">eventfd failed.</exception>
    public static EventFdHandle Create()
    {
        var fd = Native.EventFd(0, Native.EfdNonBlock | Native.EfdCloexec);
        return fd >= 0 ? new EventFdHandle(fd) : throw new IOException($"eventfd failed: {Native.Describe(Native.LastError)}");
    }

    /// <summary>Wakes the engine's thread; does nothing once the engine has stopped. Any thread may call it.</summary>
    public void Signal()
    {
        var one = 1UL;
        try
        {
            // The marshalling holds the handle for the call, and throws once it is closed.
            Native.Write(this, (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // The engine has stopped: nothing to wake.
        }
    }

    /// <summary>Takes the wake-ups signalled so far, so the next wait sleeps again.</summary>
    public void Drain()
    {
        ulong value;
        Native.Read((int)handle, (byte*)&value, sizeof(ulong));
    }

    protected override bool ReleaseHandle() => Native.Close((int)handle) == 0;
}
