using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace OamOrleans.Hosting;

/// <summary>Fails silo start-up with a message naming the bad <see cref="ConversationExpiryOptions"/> setting.</summary>
internal sealed class ConversationExpiryOptionsValidator(IOptions<ConversationExpiryOptions> options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var o = options.Value;
        if (o.SweepInterval < TimeSpan.FromMilliseconds(100) || o.SweepInterval > TimeSpan.FromDays(1))
        {
            throw new OrleansConfigurationException($"{nameof(ConversationExpiryOptions)}.{nameof(o.SweepInterval)} must be from 100 ms to 1 day (was {o.SweepInterval}).");
        }

        if (string.IsNullOrEmpty(o.StateBucket) || !o.StateBucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new OrleansConfigurationException($"{nameof(ConversationExpiryOptions)}.{nameof(o.StateBucket)} must be a KV bucket name (letters, digits, '-' and '_'), was '{o.StateBucket}'.");
        }

        if (o.SweepPageSize is < 1 or > 10_000)
        {
            throw new OrleansConfigurationException($"{nameof(ConversationExpiryOptions)}.{nameof(o.SweepPageSize)} must be from 1 to 10000 (was {o.SweepPageSize}).");
        }
    }
}
