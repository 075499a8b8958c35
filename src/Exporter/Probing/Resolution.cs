using System.Net;

namespace LogCollectorExporter.Probing;

/// <summary>A name resolved for a probe, on the thread pool, handed to the engine's thread.</summary>
/// <param name="Id">The target.</param>
/// <param name="Generation">The probe it was for: an answer that comes after the target moved on is dropped.</param>
/// <param name="Address">The address to connect to; null when there is none.</param>
/// <param name="Duration">How long resolving took.</param>
/// <param name="Result">Without an address: how the probe ended (dns_error, or error for a fault of the resolver).</param>
/// <param name="Error">Without an address: why, for people.</param>
internal sealed record Resolution(int Id, int Generation, IPAddress? Address, TimeSpan Duration, ProbeResult Result, string? Error);
