global using MrdSimulator.Xmpp.Tests.Infrastructure;
