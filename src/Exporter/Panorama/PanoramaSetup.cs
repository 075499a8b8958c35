namespace LogCollectorExporter.Panorama;

public static class PanoramaSetup
{
    /// <summary>
    /// How the Panorama sources' imports went (<paramref name="imports"/>, which the configuration's loads import
    /// through), and the refresher that imports the live ones and reloads on a new import.
    /// </summary>
    public static WebApplicationBuilder AddPanorama(this WebApplicationBuilder builder, PanoramaImportState imports)
    {
        builder.Services.AddSingleton(imports);
        builder.Services.AddHostedService<PanoramaRefresher>();
        return builder;
    }
}
