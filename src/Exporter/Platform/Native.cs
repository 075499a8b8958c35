using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace LogCollectorExporter.Platform;

/// <summary>
/// The Linux calls the exporter makes: non-blocking sockets and epoll for the probe engine, the open-file limit, the
/// priority of the web layer's password checks, and what a configuration file is without opening it.
/// </summary>
internal static unsafe partial class Native
{
    /// <summary>Linux's AF_INET and AF_INET6 (.NET's <see cref="AddressFamily"/> numbers are Windows').</summary>
    public const int AfInet = 2;
    public const int AfInet6 = 10;
    public const int SockStream = 1;
    public const int SockNonBlock = 0x800;
    public const int SockCloexec = 0x80000;
    public const int SolSocket = 1;
    public const int SoError = 4;
    public const int SoLinger = 13;
    public const int IpProtoIp = 0;
    public const int IpBindAddressNoPort = 24;
    public const int IpProtoTcp = 6;
    public const int TcpInfo = 11;
    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDelete = 2;
    public const uint EpollIn = 0x1;
    public const uint EpollOut = 0x4;
    public const uint EpollErr = 0x8;
    public const uint EpollRdHup = 0x2000;
    public const int EfdNonBlock = 0x800;
    public const int EfdCloexec = 0x80000;
    public const int MsgDontWait = 0x40;
    public const int RlimitNofile = 7;
    public const int PrioProcess = 0;
    public const int ClockThreadCpuTime = 3;
    public const int AtCurrentDirectory = -100;
    public const uint StatXBasicStats = 0x7FF;
    public const int SigHup = 1;
    public const nint SigDfl = 0;
    public const nint SigIgn = 1;

    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int ENetDown = 100;
    public const int ENetUnreach = 101;
    public const int EConnReset = 104;
    public const int ETimedOut = 110;
    public const int EConnRefused = 111;
    public const int EHostDown = 112;
    public const int EHostUnreach = 113;
    public const int EInProgress = 115;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static int LastError => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>The socket domain of an address: <see cref="AfInet6"/> or <see cref="AfInet"/>.</summary>
    public static int Family(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? AfInet6 : AfInet;

    /// <summary>A sockaddr_in or sockaddr_in6 for an address and port: .NET lays a SocketAddress out as the platform does.</summary>
    public static byte[] SocketAddress(IPAddress address, int port) => new IPEndPoint(address, port).Serialize().Buffer.ToArray();

    public static int Control(int epoll, int operation, int fd, uint events, ulong data)
    {
        var buffer = stackalloc byte[16];
        *(uint*)buffer = events;
        *(ulong*)(buffer + EpollDataOffset) = data;
        return epoll_ctl(epoll, operation, fd, buffer);
    }

    public static (uint Events, ulong Data) ReadEvent(byte* events, int index)
    {
        var item = events + (index * EpollEventSize);
        return (*(uint*)item, *(ulong*)(item + EpollDataOffset));
    }

    public static int ConnectTo(int fd, byte[] address) => connect(fd, address, address.Length);

    public static int BindTo(int fd, byte[] address) => bind(fd, address, address.Length);

    public static int SetInt(int fd, int level, int name, int value) => setsockopt(fd, level, name, &value, sizeof(int));

    /// <summary>SO_LINGER on with a zero timeout: close() then sends RST and leaves no TIME_WAIT.</summary>
    public static int SetAbortiveClose(int fd)
    {
        var linger = stackalloc int[2] { 1, 0 };
        return setsockopt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int));
    }

    /// <summary>The pending error of a socket (SO_ERROR): 0 when the connect succeeded.</summary>
    public static int PendingError(int fd)
    {
        int error = 0, length = sizeof(int);
        return getsockopt(fd, SolSocket, SoError, &error, &length) == 0 ? error : LastError;
    }

    /// <summary>
    /// The kernel's own measure of the handshake: the round trip from the SYN to the SYN/ACK (tcpi_rtt, microseconds),
    /// unless the SYN was sent more than once (tcpi_total_retrans), which the round trip would hide; and how long ago
    /// the handshake completed (tcpi_last_ack_recv, milliseconds).
    /// </summary>
    public static (TimeSpan? RoundTrip, TimeSpan? Since) HandshakeTiming(int fd)
    {
        // struct tcp_info: tcpi_last_ack_recv at byte 56, tcpi_rtt at 68, tcpi_total_retrans at 100 (a stable kernel ABI).
        var info = stackalloc byte[104];
        var length = 104;
        if (getsockopt(fd, IpProtoTcp, TcpInfo, info, &length) != 0 || length < 104)
        {
            return (null, null);
        }

        var roundTrip = *(uint*)(info + 68);
        var retransmits = *(uint*)(info + 100);
        return (retransmits == 0 && roundTrip > 0 ? TimeSpan.FromMicroseconds(roundTrip) : null, TimeSpan.FromMilliseconds(*(uint*)(info + 56)));
    }

    /// <summary>
    /// Gives the calling thread the lowest CPU priority (nice 19): on Linux the nice value is a thread's own, and any
    /// process may lower its threads' priority. Best effort: a refusal leaves the thread as it was.
    /// </summary>
    public static void LowestPriorityForThisThread() => _ = SetPriority(PrioProcess, 0, 19);

    /// <summary>The CPU time the calling thread has used (<c>CLOCK_THREAD_CPUTIME_ID</c>), to the nanosecond.</summary>
    public static TimeSpan ThreadCpuTime()
    {
        // struct timespec of 64-bit Linux: seconds, then nanoseconds.
        var now = stackalloc long[2];
        return ClockGetTime(ClockThreadCpuTime, now) == 0 ? TimeSpan.FromTicks((now[0] * TimeSpan.TicksPerSecond) + (now[1] / 100)) : TimeSpan.Zero;
    }

    /// <summary>
    /// What the kernel says of a file, following symbolic links (<c>statx</c>, whose struct has one layout on every
    /// architecture): its kind, where it is, its size and when it last changed; null when there is no such file or it
    /// cannot be reached. Reads nothing of it, and does not open it: a FIFO would block the opening.
    /// </summary>
    public static FileStamp? Stat(string path)
    {
        var buffer = stackalloc byte[256];
        if (StatX(AtCurrentDirectory, path, 0, StatXBasicStats, buffer) != 0)
        {
            return null;
        }

        var kind = (*(ushort*)(buffer + 28) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return new FileStamp(
            kind,
            ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140),
            *(ulong*)(buffer + 32),
            *(long*)(buffer + 40),
            Nanoseconds(buffer + 112),
            Nanoseconds(buffer + 96));

        // struct statx_timestamp: seconds (64 bits), then nanoseconds (32 bits).
        static long Nanoseconds(byte* timestamp) => (*(long*)timestamp * 1_000_000_000) + *(uint*)(timestamp + 8);
    }

    /// <summary>
    /// Gives SIGHUP its default action back when this process inherited it ignored, as <c>nohup</c> leaves it: the
    /// runtime keeps an ignored signal ignored, and would never pass it on; Prometheus (Go) takes SIGHUP either way.
    /// </summary>
    public static void UnignoreHangUp()
    {
        // struct sigaction begins with its handler; 256 bytes hold the whole of it.
        // Neither call can fail for SIGHUP: they fail only for a signal that does not exist or cannot be caught.
        var action = stackalloc byte[256];
        if (SignalAction(SigHup, null, action) == 0 && *(nint*)action == SigIgn)
        {
            SetSignalHandler(SigHup, SigDfl);
        }
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int SignalAction(int signal, byte* action, byte* previous);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetSignalHandler(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatX(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, long* time);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, uint who, int priority);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Receive(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(SafeHandle fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetResourceLimit(int resource, out ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetResourceLimit(int resource, in ResourceLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, byte[] address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, byte[] address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, void* value, int* length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epoll, int operation, int fd, void* epollEvent);

    /// <summary>struct rlimit: the soft limit, then the hard one.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}

/// <summary>The kind of a file, from its mode.</summary>
public enum FileKind
{
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Other,
}

/// <summary>
/// A file as the kernel describes it, without reading it: the same stamp twice means the same content, as long as the
/// content was not written within the kernel's timestamp granularity of the stamp being taken (see ConfigFiles).
/// </summary>
/// <param name="Device">The device it is on (major, minor).</param>
/// <param name="Inode">Its inode: a file replaced by a rename, or a Kubernetes ConfigMap's swapped symlink, is another.</param>
/// <param name="Modified">Its modification time, in nanoseconds since 1970 (it can be set back, by <c>touch -d</c> or <c>cp -p</c>).</param>
/// <param name="Changed">Its inode's change time, in nanoseconds since 1970: set by the kernel on every write, never by hand.</param>
public readonly record struct FileStamp(FileKind Kind, ulong Device, ulong Inode, long Size, long Modified, long Changed)
{
    public DateTimeOffset ChangedAt => DateTimeOffset.UnixEpoch.AddTicks(Changed / 100);
}
