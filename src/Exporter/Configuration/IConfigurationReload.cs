namespace LogCollectorExporter.Configuration;

/// <summary>Reloads the configuration from its sources: what the reload triggers (HTTP, SIGHUP, a file change) call.</summary>
public interface IConfigurationReload
{
    /// <summary>Loads the configuration again and applies it; returns the error text when it was rejected and the running one kept.</summary>
    /// <param name="trigger">What asked for it.</param>
    Task<string?> ReloadAsync(ReloadTrigger trigger, CancellationToken cancellationToken);
}
