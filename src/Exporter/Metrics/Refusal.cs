namespace LogCollectorExporter.Metrics;

/// <summary>Why a request was refused: the <c>reason</c> of <c>logcollector_exporter_http_requests_refused_total</c>.</summary>
public enum Refusal
{
    /// <summary>No user name and password, or not readable as basic authentication.</summary>
    NoCredentials,

    /// <summary>A wrong password, or a user that is not in <c>basic_auth_users</c>: one reason, so that the counter tells neither apart.</summary>
    BadCredentials,

    /// <summary>A password not seen before while the budget for checking passwords was spent.</summary>
    Throttled,

    /// <summary>No client certificate where <c>client_auth_type</c> requires one.</summary>
    NoClientCertificate,
}
