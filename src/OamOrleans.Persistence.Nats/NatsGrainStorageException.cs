namespace OamOrleans.Persistence.Nats;

/// <summary>A grain state could not be read or written by the NATS grain storage provider.</summary>
public sealed class NatsGrainStorageException : Exception
{
    /// <summary>Creates an exception.</summary>
    public NatsGrainStorageException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public NatsGrainStorageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public NatsGrainStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
