using Microsoft.Extensions.Options;

namespace OamOrleans.AdminUi;

/// <summary>Rejects options the UI could not work with, naming each bad setting.</summary>
internal sealed class AdminUiOptionsValidator : IValidateOptions<AdminUiOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminUiOptions options)
    {
        var failures = new List<string>();
        foreach (var problem in options.Endpoint?.Problems() ?? [])
        {
            failures.Add("AdminUiOptions.Endpoint: " + problem);
        }

        if (!IsBucketName(options.MembershipBucket))
        {
            failures.Add($"AdminUiOptions.MembershipBucket '{options.MembershipBucket}' is invalid: use letters, digits, '-' and '_' only.");
        }

        if (!IsBucketName(options.StateBucket))
        {
            failures.Add($"AdminUiOptions.StateBucket '{options.StateBucket}' is invalid: use letters, digits, '-' and '_' only.");
        }

        if (string.IsNullOrEmpty(options.ServiceId))
        {
            failures.Add("AdminUiOptions.ServiceId must not be empty.");
        }

        if (options.CatalogPollInterval <= TimeSpan.Zero)
        {
            failures.Add($"AdminUiOptions.CatalogPollInterval must be positive, got {options.CatalogPollInterval}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsBucketName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
