using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Security;

/// <summary>What a check of a user name and password found.</summary>
public enum PasswordVerdict
{
    Accepted,
    Rejected,

    /// <summary>Not checked: the budget for bcrypt is spent (see <see cref="PasswordCheckBudget"/>).</summary>
    NotChecked,
}

/// <summary>
/// The <c>basic_auth_users</c> of one web configuration and what has been checked against them. A user name and
/// password pair is checked with bcrypt once: the outcome is kept under a keyed hash of the pair (HMAC-SHA-256 with a
/// key made at random for this configuration, never the password itself), so that a scraper's every request after
/// its first costs a hash, not a bcrypt. Accepted pairs are kept apart from rejected ones, so that a flood of wrong
/// passwords can push out only other wrong ones. An unknown user is checked against a stand-in hash of the highest cost
/// among the users' hashes, and a check of a user whose hash costs less is answered no sooner than a check of the
/// highest cost takes, so that the time tells nothing about which users exist. Concurrent requests with the same pair
/// share one check.
/// </summary>
public sealed class BasicAuthUsers
{
    /// <summary>Far more than the scrapers and people who use one exporter.</summary>
    public const int AcceptedKept = 64;

    public const int RejectedKept = 1024;

    private readonly IReadOnlyDictionary<string, string> hashes;
    private readonly string standIn;
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private readonly Lock gate = new();
    private readonly OrderedDictionary<UInt128, PasswordVerdict> accepted = [], rejected = [];
    private readonly ConcurrentDictionary<UInt128, Lazy<Task<(PasswordVerdict, TimeSpan)>>> checking = new();

    /// <summary>The cost of the stand-in hash: the highest of the users'.</summary>
    private readonly int highestCost;

    /// <summary>The CPU time a check of each cost (4 to 31) took last: bcrypt's time doubles with each step of cost.</summary>
    private readonly long[] estimateTicks = new long[32];

    /// <summary>Makes the stand-in hash now (a bcrypt of the highest cost among the users), and times a check against it.</summary>
    public BasicAuthUsers(IReadOnlyDictionary<string, string> hashes)
    {
        this.hashes = hashes;
        var cost = highestCost = hashes.Values.Max(Cost);
        standIn = BCrypt.Net.BCrypt.HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)), BCrypt.Net.BCrypt.GenerateSalt(cost, 'y'));

        // Timed on a second bcrypt, a check as requests make it: the first also pays for code run for the first time.
        var started = Native.ThreadCpuTime();
        Matches("", standIn);
        var took = Math.Max(1, (Native.ThreadCpuTime() - started).Ticks);
        for (var other = 4; other < estimateTicks.Length; other++)
        {
            estimateTicks[other] = other >= cost ? took << Math.Min(other - cost, 20) : Math.Max(1, took >> (cost - other));
        }
    }

    public int Count => hashes.Count;

    /// <summary>
    /// Whether the pair is a user's; bcrypt only for a pair not seen before, within the budget, else
    /// <see cref="PasswordVerdict.NotChecked"/> and how long until it has room again.
    /// </summary>
    /// <param name="client">Who asks (<see cref="PasswordCheckBudget"/> serves clients in turn).</param>
    public async Task<(PasswordVerdict Verdict, TimeSpan RetryAfter)> CheckAsync(string user, string password, string client, PasswordCheckBudget budget,
        CancellationToken cancellationToken)
    {
        var pair = KeyedHash(user, password);
        lock (gate)
        {
            if (accepted.TryGetValue(pair, out var verdict) || rejected.TryGetValue(pair, out verdict))
            {
                return (verdict, TimeSpan.Zero);
            }
        }

        var check = checking.GetOrAdd(pair, _ => new(() => CheckWithBcryptAsync(pair, user, password, client, budget)));
        return await check.Value.WaitAsync(cancellationToken);
    }

    private async Task<(PasswordVerdict, TimeSpan)> CheckWithBcryptAsync(UInt128 pair, string user, string password, string client,
        PasswordCheckBudget budget)
    {
        try
        {
            var known = hashes.TryGetValue(user, out var hash);
            var against = known ? hash! : standIn;
            var cost = Cost(against);
            var matches = false;

            // Not the request's token: others may be waiting for this check, and the budget keeps such checks few.
            var (ran, retryAfter, took) = await budget.TryRunAsync(client, Estimate(cost), () => matches = Matches(password, against) && known,
                cost < highestCost ? Estimate(highestCost) : TimeSpan.Zero, CancellationToken.None);
            if (!ran)
            {
                return (PasswordVerdict.NotChecked, retryAfter);
            }

            Interlocked.Exchange(ref estimateTicks[cost], Math.Max(1, took.Ticks));
            var (verdict, kept, capacity) = matches
                ? (PasswordVerdict.Accepted, accepted, AcceptedKept)
                : (PasswordVerdict.Rejected, rejected, RejectedKept);
            lock (gate)
            {
                // The oldest pushed out first.
                if (kept.TryAdd(pair, verdict) && kept.Count > capacity)
                {
                    kept.RemoveAt(0);
                }
            }

            return (verdict, TimeSpan.Zero);
        }
        finally
        {
            checking.TryRemove(pair, out _);
        }
    }

    private TimeSpan Estimate(int cost) => TimeSpan.FromTicks(Interlocked.Read(ref estimateTicks[cost]));

    /// <summary>The cost of a hash that <see cref="WebConfigFile"/> checked: <c>$2y$10$...</c> is 10.</summary>
    private static int Cost(string hash) => int.Parse(hash.AsSpan(4, 2), provider: null);

    /// <summary>bcrypt of the password with the hash's salt and cost, compared in constant time.</summary>
    private static bool Matches(string password, string hash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(BCrypt.Net.BCrypt.HashPassword(password, hash)), Encoding.ASCII.GetBytes(hash));

    private UInt128 KeyedHash(string user, string password)
    {
        // The user name's length first, so that no two pairs make the same input.
        var userBytes = Encoding.UTF8.GetBytes(user);
        var input = new byte[4 + userBytes.Length + Encoding.UTF8.GetByteCount(password)];
        BinaryPrimitives.WriteInt32BigEndian(input, userBytes.Length);
        userBytes.CopyTo(input, 4);
        Encoding.UTF8.GetBytes(password, input.AsSpan(4 + userBytes.Length));
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, input, mac);
        CryptographicOperations.ZeroMemory(input);

        // 128 of its 256 bits: as unguessable, and a key of the dictionaries as it is.
        return BinaryPrimitives.ReadUInt128LittleEndian(mac);
    }
}
