"""Times one tool call through the official MCP Python SDK, which validates structuredContent
against the tool's output schema: what a Python client pays for an answer, on top of the server.

Usage: sdk_call.py BINARY TOOL ARGS_JSON [SERVER_ARG ...] (the server's environment is this
process's). Prints
{"ms": median of 3 calls, "isError": ...} on one line.
"""

import asyncio
import json
import os
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main() -> None:
    binary, tool, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    server = StdioServerParameters(command=binary, args=sys.argv[4:], env=dict(os.environ))
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.list_tools()
            times, failed = [], False
            for _ in range(3):
                started = time.perf_counter()
                result = await session.call_tool(tool, args)
                times.append((time.perf_counter() - started) * 1000)
                failed = failed or bool(result.is_error)
            print(json.dumps({"ms": sorted(times)[1], "isError": failed}))


asyncio.run(main())
