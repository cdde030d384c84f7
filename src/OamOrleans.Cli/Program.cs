return await OamOrleans.Cli.OamCli.RunAsync(args);
