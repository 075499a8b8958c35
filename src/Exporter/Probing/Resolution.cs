using System.Net;
using System.Net.Sockets;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>A name resolved for a probe, on the thread pool, for the engine's thread to take.</summary>
/// <param name="Generation">The probe it was for: an answer that comes after the target moved on is dropped.</param>
/// <param name="Address">The address to connect to; null when there is none.</param>
/// <param name="Result">Without an address: how the probe ended (dns_error, or error for a fault of the resolver).</param>
/// <param name="Error">Without an address: why, for people.</param>
/// <param name="Fault">What the resolver threw when it failed in a way a resolver should not: to be logged.</param>
internal sealed record Resolution(int Id, int Generation, IPAddress? Address, TimeSpan Lookup, ProbeResult Result, string? Error, Exception? Fault)
{
    /// <summary>
    /// Resolves the target's name within the probe's timeout and picks the address to connect to
    /// (<see cref="AddressSelection"/>). Never throws: a failure is the resolution's result.
    /// </summary>
    public static async Task<Resolution> ResolveAsync(
        IHostResolver resolver, int id, int generation, CollectorConfig target, ProbeSettings settings, TimeProvider time, CancellationToken stopping)
    {
        var started = time.GetTimestamp();
        var host = target.Address;
        // On the probe's clock, like the connect deadline, so the timeout is the setting on any TimeProvider.
        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        Resolution Ended(IPAddress? address, ProbeResult result, string? error, Exception? fault = null) =>
            new(id, generation, address, time.GetElapsedTime(started), result, error, fault);
        try
        {
            // WaitAsync: a resolver that ignores cancellation cannot hold the probe past its timeout.
            var addresses = await resolver.ResolveAsync(host, AddressSelection.Query(settings.IpFamily), waiting.Token).WaitAsync(waiting.Token);
            return AddressSelection.Choose(addresses, settings.IpFamily, settings.SourceAddress) is { } chosen
                ? Ended(chosen, ProbeResult.Success, null)
                : Ended(null, ProbeResult.DnsError, $"{host}: {AddressSelection.Missing(settings.IpFamily, settings.SourceAddress)}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Ended(null, ProbeResult.DnsError, $"{host}: name resolution took longer than {Duration.Format(settings.Timeout)}");
        }
        catch (SocketException e)
        {
            return Ended(null, ProbeResult.DnsError, $"{host}: {e.Message}");
        }
        catch (Exception e)
        {
            // A fault in the resolver must not leave the target waiting for an answer forever: counted and logged.
            return Ended(null, ProbeResult.Error, $"{host}: {e.Message}", e);
        }
    }
}
