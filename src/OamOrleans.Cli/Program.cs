Console.OutputEncoding = new System.Text.UTF8Encoding(false);
return await OamOrleans.Cli.OamCli.RunAsync(args);
