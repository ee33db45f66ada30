using Gateway.State;

namespace Gateway.Economy.Tests.State;

public sealed class RedisUrlTests
{
    [Theory]
    [InlineData("redis://127.0.0.1:6380", "127.0.0.1", 6380, 0, null, null, false)]
    [InlineData("redis://:s3cret@cache.internal:6379/2", "cache.internal", 6379, 2, null, "s3cret", false)]
    [InlineData("redis://gateway:s3cret@cache.internal:7000/1", "cache.internal", 7000, 1, "gateway", "s3cret", false)]
    [InlineData("rediss://:p%40ss@cache.internal:6380", "cache.internal", 6380, 0, null, "p@ss", true)]
    [InlineData("redis://cache.internal", "cache.internal", 6379, 0, null, null, false)]
    [InlineData("localhost:6379", "localhost", 6379, 0, null, null, false)]
    [InlineData("localhost", "localhost", 6379, 0, null, null, false)]
    [InlineData("redis://[::1]:6390/3", "::1", 6390, 3, null, null, false)]
    public void Parse_SupportedForms(string text, string host, int port, int db, string? user, string? password, bool ssl)
    {
        var url = RedisUrl.Parse(text);
        Assert.Equal(new RedisUrl(host, port, db, user, password, ssl), url);
    }

    [Fact]
    public void Display_NeverShowsPassword()
    {
        var url = RedisUrl.Parse("redis://admin:hunter2@cache:6379/4");
        Assert.Equal("cache:6379/4", url.Display);
        Assert.DoesNotContain("hunter2", url.ToString());
        Assert.DoesNotContain("hunter2", url.ToConfigurationOptions(new RedisSettings()).ToString(includePassword: false));
    }

    [Theory]
    [InlineData("http://:hunter2@cache:6379")]
    [InlineData("redis://:hunter2@cache:notaport")]
    [InlineData("redis://:hunter2@cache:6379/99")]
    [InlineData("redis://:hunter2@:6379")]
    [InlineData("hunter2@cache:6379")]
    [InlineData("")]
    public void Parse_Malformed_ErrorDoesNotRepeatTheValue(string text)
    {
        Assert.False(RedisUrl.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
        Assert.DoesNotContain("hunter2", error);
        var ex = Assert.Throws<FormatException>(() => RedisUrl.Parse(text));
        Assert.DoesNotContain("hunter2", ex.Message);
    }

    [Fact]
    public void Options_AreFailOpen()
    {
        var o = RedisUrl.Parse("redis://cache:6379").ToConfigurationOptions(new RedisSettings());
        Assert.False(o.AbortOnConnectFail);
        Assert.InRange(o.ConnectTimeout, 1, 1000);
        Assert.InRange(o.AsyncTimeout, 1, 1000);
        Assert.InRange(o.SyncTimeout, 1, 1000);
    }
}
