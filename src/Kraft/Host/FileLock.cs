namespace Kraft.Host;

/// <summary>
/// An exclusive advisory lock on a file (flock on Linux through FileShare.None), held until
/// disposed. The kernel drops it when the process dies, so a killed kraft never leaves a stale
/// lock behind.
/// </summary>
public sealed class FileLock : IDisposable
{
    readonly FileStream _stream;
    FileLock(FileStream stream) => _stream = stream;

    /// <summary>Acquires the lock, telling the user once if another process holds it and waiting.</summary>
    public static FileLock Acquire(string path, string what, IReporter reporter, CancellationToken cancel)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var told = false;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!told)
                {
                    reporter.Info($"waiting for another kraft to finish with {what} (lock {path})");
                    told = true;
                }
                cancel.WaitHandle.WaitOne(50);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
